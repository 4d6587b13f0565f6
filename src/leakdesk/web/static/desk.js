// Click a column heading to sort a table (the server also sorts with ?sort=). No remote code, no inline script.
document.addEventListener("DOMContentLoaded", () => {
  for (const table of document.querySelectorAll("table.sortable")) {
    table.querySelectorAll("thead th").forEach((th, index) => {
      th.addEventListener("click", () => {
        const body = table.tBodies[0];
        const up = th.dataset.dir !== "asc";
        th.dataset.dir = up ? "asc" : "desc";
        const rows = Array.from(body.rows);
        const key = (row) => row.cells[index].textContent.trim();
        rows.sort((a, b) => key(a).localeCompare(key(b), undefined, { numeric: true }) * (up ? 1 : -1));
        rows.forEach((row) => body.appendChild(row));
      });
    });
  }
});
