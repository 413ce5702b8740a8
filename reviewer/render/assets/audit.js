// The HTML audit's filters and keyboard navigation. Runs from the file itself: no network.
(() => {
  "use strict";
  const cards = Array.from(document.querySelectorAll("article.card"));
  const boxes = Array.from(document.querySelectorAll("nav.filters input[type=checkbox]"));
  const shown = document.getElementById("shown");

  function checked(name) {
    return new Set(boxes.filter((b) => b.name === name && b.checked).map((b) => b.value));
  }

  function apply() {
    const verdicts = checked("verdict");
    const codes = checked("code");
    let count = 0;
    for (const card of cards) {
      const own = card.dataset.codes ? card.dataset.codes.split(" ") : ["none"];
      const visible = verdicts.has(card.dataset.verdict) && own.some((c) => codes.has(c));
      card.hidden = !visible;
      if (visible) count += 1;
    }
    if (shown) shown.textContent = `${count} of ${cards.length} figures shown`;
  }

  function reset() {
    boxes.forEach((b) => { b.checked = true; });
    apply();
  }

  function move(step) {
    const visible = cards.filter((c) => !c.hidden);
    if (!visible.length) return;
    const at = visible.indexOf(document.activeElement);
    const next = at < 0 ? (step > 0 ? 0 : visible.length - 1)
      : Math.min(Math.max(at + step, 0), visible.length - 1);
    visible[next].focus();
    visible[next].scrollIntoView({ block: "start" });
  }

  boxes.forEach((b) => b.addEventListener("change", apply));
  const resetButton = document.getElementById("reset");
  if (resetButton) resetButton.addEventListener("click", reset);
  document.addEventListener("keydown", (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.target.closest && event.target.closest("input[type=text], textarea, select")) return;
    if (event.key === "j") { move(1); event.preventDefault(); }
    if (event.key === "k") { move(-1); event.preventDefault(); }
  });
  apply();
})();
