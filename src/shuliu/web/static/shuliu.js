// Small helpers for the pages; the upload page has its own script.
function csrfToken() {
  const m = document.querySelector('meta[name="csrf-token"]');
  return m ? m.content : "";
}
document.addEventListener("htmx:responseError", (ev) => {
  const box = document.getElementById("htmx-error");
  if (box) { box.textContent = ev.detail.xhr.responseText.slice(0, 500); box.classList.remove("d-none"); }
});
