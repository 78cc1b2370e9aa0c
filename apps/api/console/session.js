// The token lives in sessionStorage: it survives reloads of this tab, not the browser's closing,
// and no other tab sees it.

const TOKEN_KEY = 'idem.console.token';

export const session = {
  token() {
    return sessionStorage.getItem(TOKEN_KEY);
  },
  signIn(token) {
    sessionStorage.setItem(TOKEN_KEY, token);
  },
  signOut() {
    sessionStorage.removeItem(TOKEN_KEY);
  },
};
