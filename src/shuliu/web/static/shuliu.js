// Small helpers for the pages; the upload page has its own script.
function csrfToken() {
  const m = document.querySelector('meta[name="csrf-token"]');
  return m ? m.content : "";
}
document.addEventListener("htmx:responseError", (ev) => {
  const box = document.getElementById("htmx-error");
  if (!box) return;
  // Error responses are whole error pages: show their (localized) detail, not their HTML source.
  const text = ev.detail.xhr.responseText || "";
  const detail = new DOMParser().parseFromString(text, "text/html").getElementById("error-detail");
  box.textContent = detail ? detail.textContent.trim() : text.slice(0, 500);
  box.classList.remove("d-none");
});

// /resources/…#tab-labels opens that tab.
document.addEventListener("DOMContentLoaded", () => {
  if (!location.hash || !window.bootstrap) return;
  const button = document.querySelector(`[data-bs-target="${CSS.escape(location.hash)}"]`);
  if (button) window.bootstrap.Tab.getOrCreateInstance(button).show();
});

// Charts (ECharts) declared in markup: <div data-chart='{"…option…"}'>. Charts in a hidden tab
// are drawn when the tab is shown (ECharts cannot size a hidden element).
function slCharts(root) {
  if (!window.echarts) return;
  (root || document).querySelectorAll("[data-chart]").forEach((el) => {
    if (el.offsetWidth === 0) return;
    const chart = window.echarts.getInstanceByDom(el) || window.echarts.init(el);
    chart.setOption(JSON.parse(el.dataset.chart), true);
    chart.resize();
  });
}
document.addEventListener("htmx:afterSettle", (ev) => slCharts(ev.target));
document.addEventListener("shown.bs.tab", (ev) => {
  const pane = document.querySelector(ev.target.dataset.bsTarget);
  if (pane) slCharts(pane);
});
document.addEventListener("DOMContentLoaded", () => slCharts(document));
