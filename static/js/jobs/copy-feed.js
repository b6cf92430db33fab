// Saved searches: a "Copy feed address" button beside each feed link, shown only where the
// clipboard is available (the link itself always works without JavaScript).

for (const button of document.querySelectorAll(".copy-feed")) {
  if (!navigator.clipboard) {
    continue;
  }
  button.hidden = false;
  const label = button.textContent;
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(button.dataset.copy);
      button.textContent = "Copied";
    } catch {
      button.textContent = "Copy failed: use the Atom link";
    }
    setTimeout(() => { button.textContent = label; }, 2500);
  });
}
