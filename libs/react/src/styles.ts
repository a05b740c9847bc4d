import { useInsertionEffect } from 'react';

/**
 * The components' only CSS: every selector sits under `.rl-root` (no global rule), every colour and size is a CSS
 * variable a host overrides on `.rl-root` or an ancestor. Light and dark follow `prefers-color-scheme` unless the host
 * sets the variables.
 */
const CSS = `
.rl-root{--rl-bg:#ffffff;--rl-fg:#1b1f24;--rl-muted:#57606a;--rl-border:#d0d7de;--rl-accent:#0a58ca;--rl-accent-fg:#ffffff;
--rl-danger:#b42318;--rl-ok:#1a7f37;--rl-surface:#f6f8fa;--rl-code-bg:#eef1f4;--rl-radius:6px;--rl-font:system-ui,sans-serif;
--rl-mono:ui-monospace,SFMono-Regular,Menlo,monospace;color:var(--rl-fg);background:var(--rl-bg);font-family:var(--rl-font);
font-size:14px;line-height:1.45;box-sizing:border-box}
@media (prefers-color-scheme:dark){.rl-root{--rl-bg:#0d1117;--rl-fg:#e6edf3;--rl-muted:#9da7b3;--rl-border:#3d444d;
--rl-accent:#58a6ff;--rl-accent-fg:#0d1117;--rl-danger:#ff7b72;--rl-ok:#3fb950;--rl-surface:#161b22;--rl-code-bg:#1f2630}}
.rl-root *,.rl-root *::before,.rl-root *::after{box-sizing:inherit}
.rl-root a{color:var(--rl-accent)}
.rl-root :focus-visible{outline:2px solid var(--rl-accent);outline-offset:2px}
.rl-btn{font:inherit;color:var(--rl-fg);background:var(--rl-surface);border:1px solid var(--rl-border);border-radius:var(--rl-radius);
padding:4px 10px;cursor:pointer;min-height:32px}
.rl-btn[aria-pressed="true"],.rl-btn-primary{background:var(--rl-accent);color:var(--rl-accent-fg);border-color:var(--rl-accent)}
.rl-btn-danger{color:var(--rl-danger)}
.rl-btn:disabled{opacity:.6;cursor:default}
.rl-input,.rl-select{font:inherit;color:var(--rl-fg);background:var(--rl-bg);border:1px solid var(--rl-border);
border-radius:var(--rl-radius);padding:4px 8px;min-height:32px}
.rl-toolbar{display:flex;flex-wrap:wrap;gap:8px;align-items:center;margin:8px 0}
.rl-muted{color:var(--rl-muted)}
.rl-error{color:var(--rl-danger)}
.rl-list{overflow:auto;border:1px solid var(--rl-border);border-radius:var(--rl-radius)}
.rl-row{display:grid;grid-template-columns:minmax(10em,2fr) 6em minmax(6em,1fr) 4em 6em 7.5em 9.5em 4em;gap:8px;align-items:center;
padding:4px 10px;border-bottom:1px solid var(--rl-border);overflow:hidden;white-space:nowrap}
.rl-row-head{font-weight:600;background:var(--rl-surface);position:sticky;top:0;z-index:1}
.rl-row .rl-name{overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.rl-num{text-align:right;font-variant-numeric:tabular-nums}
@media (max-width:640px){.rl-row{grid-template-columns:1fr auto;grid-auto-rows:auto}.rl-row>.rl-wide{display:none}}
.rl-card{border:1px solid var(--rl-border);border-radius:var(--rl-radius);padding:10px;margin:10px 0;background:var(--rl-bg)}
.rl-msg{border-left:3px solid var(--rl-border);padding:4px 10px;margin:8px 0;overflow-wrap:anywhere}
.rl-msg-user{border-left-color:var(--rl-accent)}
.rl-msg-assistant{border-left-color:var(--rl-ok)}
.rl-md pre{background:var(--rl-code-bg);padding:8px;border-radius:var(--rl-radius);overflow:auto;font-family:var(--rl-mono)}
.rl-md code{font-family:var(--rl-mono);background:var(--rl-code-bg);padding:0 3px;border-radius:3px}
.rl-md pre code{padding:0;background:none}
.rl-facts{display:grid;grid-template-columns:repeat(auto-fill,minmax(10em,1fr));gap:4px 12px;margin:6px 0}
.rl-facts dt{color:var(--rl-muted);font-size:12px}
.rl-facts dd{margin:0;font-variant-numeric:tabular-nums;overflow-wrap:anywhere}
.rl-json{font-family:var(--rl-mono);font-size:12px;white-space:pre-wrap;overflow-wrap:anywhere;max-height:24em;overflow:auto;
background:var(--rl-code-bg);padding:8px;border-radius:var(--rl-radius)}
.rl-status{display:inline-block;padding:0 6px;border-radius:10px;border:1px solid var(--rl-border);font-size:12px}
.rl-status-failed{color:var(--rl-danger);border-color:var(--rl-danger)}
.rl-status-completed{color:var(--rl-ok);border-color:var(--rl-ok)}
.rl-meter{height:12px;margin:6px 0;background:var(--rl-surface);border:1px solid var(--rl-border);border-radius:var(--rl-radius);
overflow:hidden}
.rl-meter>span{display:block;height:100%;background:var(--rl-accent)}
.rl-meter-over>span{background:var(--rl-danger)}
.rl-budget-title{margin:0 0 4px;font-size:16px}
.rl-budget-alerts{margin:6px 0;padding-left:1.2em;color:var(--rl-danger)}
.rl-waterfall{display:grid;gap:4px;margin:8px 0}
.rl-lane{display:grid;grid-template-columns:minmax(6em,10em) 1fr;gap:8px;align-items:center;font-size:12px}
.rl-track{position:relative;height:14px;background:var(--rl-surface);border-radius:3px}
.rl-bar{position:absolute;top:3px;height:8px;background:var(--rl-accent);opacity:.35;border-radius:2px}
.rl-tick{position:absolute;top:0;width:1px;height:14px;background:var(--rl-accent)}
.rl-mark{position:absolute;top:0;width:2px;height:14px;background:var(--rl-ok)}
.rl-scrub{width:100%}
.rl-scroll{overflow-x:auto;max-width:100%}
.rl-table{border-collapse:collapse;width:100%}
.rl-table th,.rl-table td{border-bottom:1px solid var(--rl-border);padding:4px 8px;text-align:left}
.rl-table td.rl-num,.rl-table th.rl-num{text-align:right}
.rl-sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
`;

const ATTRIBUTE = 'data-run-ledger-styles';

let adopted: CSSStyleSheet | undefined;

/**
 * Puts the components' stylesheet in the document once (at first render, never at import: the package has no side
 * effects). A constructed stylesheet where the browser has them: a Content-Security-Policy without 'unsafe-inline'
 * styles (the ledger's own) refuses a `<style>` element but not these.
 */
export function useLedgerStyles(): void {
  useInsertionEffect(() => {
    if (typeof document === 'undefined') return;
    if ('adoptedStyleSheets' in document && typeof CSSStyleSheet.prototype.replaceSync === 'function') {
      if (adopted && document.adoptedStyleSheets.includes(adopted)) return;
      adopted ??= new CSSStyleSheet();
      adopted.replaceSync(CSS);
      document.adoptedStyleSheets = [...document.adoptedStyleSheets, adopted];
      return;
    }
    if (document.head.querySelector(`style[${ATTRIBUTE}]`)) return;
    const style = document.createElement('style');
    style.setAttribute(ATTRIBUTE, '');
    style.textContent = CSS;
    document.head.appendChild(style);
  }, []);
}
