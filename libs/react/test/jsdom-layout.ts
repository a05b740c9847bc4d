/**
 * jsdom lays nothing out (every size is 0), so a virtualised list would show no row. Give elements the size of a
 * 800 × 400 viewport, as a browser would after layout; the real layout is exercised in Chromium (test/browser).
 */
export function giveElementsASize(width = 800, height = 400): void {
  Object.defineProperty(HTMLElement.prototype, 'clientWidth', { configurable: true, get: () => width });
  Object.defineProperty(HTMLElement.prototype, 'clientHeight', { configurable: true, get: () => height });
}
