// Job board: country codes are typed in capitals, and the filter panel starts open on wide
// screens (folded on phones, where it would push the results down) and then remembers whether it
// was open, so paging through results does not keep folding it away.

const country = document.getElementById("country");
if (country) {
  country.addEventListener("input", () => {
    country.value = country.value.toUpperCase().replace(/[^A-Z]/g, "").slice(0, 2);
  });
}

const filters = document.querySelector(".jobs-more");
const KEY = "jobs-filters-open";
if (filters) {
  const remembered = sessionStorage.getItem(KEY);
  const wide = window.matchMedia("(min-width: 901px)").matches;
  if (remembered === "1" || (remembered === null && wide)) {
    filters.open = true;
  }
  filters.addEventListener("toggle", () => {
    sessionStorage.setItem(KEY, filters.open ? "1" : "0");
  });
}
