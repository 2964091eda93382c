// The reviewer's light/dark choice, kept in this browser; without one, the system's preference.
export function load() {
  const saved = localStorage.getItem('wb-theme');
  if (saved === 'dark' || saved === 'light') {
    return saved === 'dark';
  }
  return window.matchMedia && window.matchMedia('(prefers-color-scheme: dark)').matches;
}

export function save(dark) {
  localStorage.setItem('wb-theme', dark ? 'dark' : 'light');
}
