// Single-key shortcuts of the case page. Ignored while typing in a field, and with modifier keys held,
// so that the browser's own shortcuts and text entry keep working.
const keys = new Set(['a', 'e', 'r', 'i', 'o', 'j', 'k', 'c', 'n', 'u', 'y', '?', 'escape']);

export function register(dotnet) {
  const handler = (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey) {
      return;
    }
    const t = e.target;
    const tag = t && t.tagName;
    const typing = tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || (t && t.isContentEditable);
    const key = (e.key || '').toLowerCase();
    if (!keys.has(key) || (typing && key !== 'escape')) {
      return;
    }
    e.preventDefault();
    dotnet.invokeMethodAsync('OnShortcut', key);
  };
  document.addEventListener('keydown', handler);
  return { dispose: () => document.removeEventListener('keydown', handler) };
}
