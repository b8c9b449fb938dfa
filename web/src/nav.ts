// Navigation inside the app: pushState and a popstate the app listens to (main.tsx).
export function navigate(path: string): void {
  window.history.pushState(null, '', path);
  window.dispatchEvent(new PopStateEvent('popstate'));
}
