/**
 * @jest-environment jsdom
 */
import { render, screen } from '@testing-library/react';
import { Waterfall } from './waterfall';

describe('<Waterfall>', () => {
  it('spans its tasks, not the run’s later events (a 308 ms task fills the timeline)', () => {
    const lane = {
      taskId: 'a',
      label: 'answer · gpt-4o',
      created: 20,
      firstToken: 120,
      ended: 328,
      status: 'completed' as const,
      density: [1],
    };
    // The run went on (renamed, shared, archived) until 15.43 s.
    render(<Waterfall lanes={[lane]} total={15_430} now={15_430} />);
    expect(screen.getByText(/^Task timeline/).textContent).toMatch(/^Task timeline \(308 ms\)/);
    const bar = document.querySelector<HTMLElement>('.rl-bar');
    expect(bar?.style.left).toBe('0%');
    expect(bar?.style.width).toBe('100%');
  });
});
