// Site-wide behaviour: the mobile menu and the "/" shortcut to search.

const toggle = document.querySelector(".nav-toggle");
const nav = document.getElementById("site-nav");
if (toggle && nav) {
  toggle.addEventListener("click", () => {
    const open = toggle.getAttribute("aria-expanded") === "true";
    toggle.setAttribute("aria-expanded", String(!open));
    nav.classList.toggle("is-open", !open);
  });
}

function isTyping(target) {
  return target instanceof HTMLElement &&
    (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
}

document.addEventListener("keydown", (event) => {
  if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) {
    return;
  }
  const search = document.getElementById("search-q") || document.getElementById("guides-q") ||
    document.getElementById("header-search-q");
  if (search) {
    event.preventDefault();
    search.focus();
    search.select();
  }
});

// On narrow screens the table of contents starts folded, so the guide itself comes first.
const toc = document.querySelector(".toc-details");
if (toc && window.matchMedia("(max-width: 960px)").matches) {
  toc.open = false;
}
