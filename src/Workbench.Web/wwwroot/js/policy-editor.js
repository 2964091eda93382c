// The policy draft editor: jump to the line and column of a validation error. A module the editor imports when it
// first needs it, so no other page loads it.
export function goTo(containerId, line, column) {
    const area = document.querySelector(`#${containerId} textarea`);
    if (!area) {
        return;
    }
    const lines = area.value.split('\n');
    let offset = 0;
    for (let i = 0; i < Math.min(line - 1, lines.length); i++) {
        offset += lines[i].length + 1;
    }
    const lineLength = lines[line - 1]?.length ?? 0;
    const start = offset + Math.max(0, Math.min(column - 1, lineLength));
    area.focus();
    area.setSelectionRange(start, offset + lineLength);
    // Scroll the line into view: about one line height per line.
    const lineHeight = parseFloat(getComputedStyle(area).lineHeight) || 18;
    area.scrollTop = Math.max(0, (line - 5) * lineHeight);
}
