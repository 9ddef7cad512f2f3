// What every page of the web app uses: DOM building, the API with its login redirect, navigation.

export const writeHeaders = { 'x-ferry-web': '1', 'content-type': 'application/json' };

let router: () => void = () => undefined;

/** Sets what shows the page of the current location (main.ts's route). */
export function onNavigate(route: () => void): void {
  router = route;
}

export function navigate(path: string): void {
  history.pushState(null, '', path);
  router();
}

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  node.append(...children);
  return node;
}

export const chip = (status: string) => el('span', { class: `status ${status}`, 'data-status': status }, status);
export const ms = (value: number | undefined) =>
  value === undefined ? '–' : value < 1000 ? `${value} ms` : `${(value / 1000).toFixed(1)} s`;
export const bytes = (n: number) =>
  n < 1024 ? `${n} B` : n < 1048576 ? `${(n / 1024).toFixed(1)} kB` : `${(n / 1048576).toFixed(1)} MB`;

/** fetch with the login cookie; a 401 sends the page to the login form. */
export async function api(path: string, init?: RequestInit): Promise<Response> {
  const response = await fetch(path, { credentials: 'same-origin', ...init });
  if (response.status === 401) {
    navigate('/login');
    throw new Error('not logged in');
  }
  return response;
}
