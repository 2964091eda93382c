// Single-key shortcuts: pressing a key clicks the visible, enabled element marked data-shortcut="<key>".
// Never while the reviewer types (inputs, text areas, selects, editable content) or holds a modifier.
document.addEventListener('keydown', e => {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || e.repeat) {
        return;
    }
    const t = e.target;
    if (t instanceof HTMLElement && (t.isContentEditable || t.closest('input, textarea, select, [role="combobox"], [role="listbox"]'))) {
        return;
    }
    const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
    const target = [...document.querySelectorAll('[data-shortcut]')]
        .find(el => el.dataset.shortcut.toLowerCase() === key && !el.disabled && el.offsetParent !== null);
    if (target) {
        e.preventDefault();
        target.click();
    }
});
