/**
 * @jest-environment jsdom
 */
import { render, screen } from '@testing-library/react';
import { SignInPage } from './sign-in-page';

describe('<SignInPage>', () => {
  it('says why the link’s token was refused', () => {
    const { rerender } = render(<SignInPage session={null} linkProblem="expired" onSignedIn={() => {}} />);
    expect(screen.getByRole('alert').textContent).toMatch(/link’s token was refused: it has expired/);
    rerender(<SignInPage session={null} linkProblem="malformed" onSignedIn={() => {}} />);
    expect(screen.getByRole('alert').textContent).toMatch(
      /link’s token was refused: it is not a valid token/,
    );
  });

  it('shows no error when opened without a link', () => {
    render(<SignInPage session={null} linkProblem={null} onSignedIn={() => {}} />);
    expect(screen.queryByRole('alert')).toBeNull();
  });
});
