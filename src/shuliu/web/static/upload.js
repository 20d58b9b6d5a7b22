// Upload page: stream the file to PUT /api/v1/uploads (with progress), inspect it, then start the
// ingest job through the REST API and follow it on the job page.
(() => {
  const app = document.getElementById("upload-app");
  if (!app) return;
  const target = app.dataset.target;
  const maxBytes = Number(app.dataset.max);
  const $ = (id) => document.getElementById(id);
  let uploadId = null;
  let inspected = null;
  // The API answers errors in English unless asked: ask in the page's language (<html lang>).
  const language = document.documentElement.lang || "zh-CN";

  function showError(message) {
    const box = $("upload-error");
    box.textContent = message;
    box.classList.remove("d-none");
  }
  function problemText(xhrOrBody) {
    try {
      const body = typeof xhrOrBody === "string" ? JSON.parse(xhrOrBody) : xhrOrBody;
      return body.detail || body.title || JSON.stringify(body);
    } catch (e) { return String(xhrOrBody).slice(0, 300); }
  }
  async function api(method, url, body) {
    const resp = await fetch(url, {method, headers: {"Content-Type": "application/json", "X-CSRF-Token": csrfToken(), "Accept": "application/json", "Accept-Language": language},
                                   body: body === undefined ? undefined : JSON.stringify(body)});
    const data = await resp.json().catch(() => ({}));
    if (!resp.ok) throw new Error(problemText(data));
    return data;
  }
  function options() {
    const o = {};
    if ($("opt-sheet").value) o.sheet = $("opt-sheet").value;
    if ($("opt-header").value) o.header_row = Number($("opt-header").value);
    if ($("opt-encoding").value) o.encoding = $("opt-encoding").value;
    if ($("opt-delimiter").value) o.delimiter = $("opt-delimiter").value;
    const types = {};
    document.querySelectorAll("select[data-column]").forEach((s) => { if (s.value !== s.dataset.inferred) types[s.dataset.column] = s.value; });
    if (Object.keys(types).length) o.column_types = types;
    return o;
  }
  function renderInspect(data) {
    inspected = data;
    const r = data.report || {};
    const parts = [data.format.toUpperCase()];
    if (r.encoding) parts.push(r.encoding);
    if (r.delimiter) parts.push(r.delimiter);
    const msg = app.dataset;
    if (r.header_line) parts.push(msg.msgHeaderLine + " " + r.header_line);
    if (r.header_row) parts.push(msg.msgHeaderRow + " " + r.header_row);
    if (r.title_lines && r.title_lines.length) parts.push(msg.msgTitle + ": " + r.title_lines.join(" / "));
    if (data.rows !== null && data.rows !== undefined) parts.push(data.rows.toLocaleString() + " " + msg.msgRows);
    else if (data.sample_rows) parts.push(data.sample_rows.toLocaleString() + " " + msg.msgSample);
    (r.warnings || []).forEach((w) => parts.push("⚠ " + w));
    $("inspect-summary").textContent = parts.join(" · ");
    const sheet = $("opt-sheet");
    sheet.innerHTML = "";
    (r.sheets || []).forEach((name) => { const o = new Option(name, name, false, name === r.sheet); sheet.add(o); });
    sheet.disabled = !(r.sheets && r.sheets.length > 1);
    const types = ["string", "int64", "float64", "boolean", "date", "timestamp"];
    const head = $("inspect-table").tHead; const body = $("inspect-table").tBodies[0];
    head.innerHTML = ""; body.innerHTML = "";
    const names = head.insertRow(); const typeRow = head.insertRow();
    data.columns.forEach((c) => {
      const th = document.createElement("th"); th.textContent = c.name; names.appendChild(th);
      const td = document.createElement("th"); const sel = document.createElement("select");
      sel.className = "form-select form-select-sm"; sel.dataset.column = c.name; sel.dataset.inferred = c.type;
      (types.includes(c.type) ? types : [c.type, ...types]).forEach((t) => sel.add(new Option(t, t, false, t === c.type)));
      td.appendChild(sel); typeRow.appendChild(td);
    });
    data.preview.forEach((row) => {
      const tr = body.insertRow();
      row.forEach((v) => { const td = tr.insertCell(); td.textContent = v === null ? "" : v; });
    });
    $("inspect-card").classList.remove("d-none");
    $("meta-card").classList.remove("d-none");
    const nameField = $("f-name");
    if (nameField && !nameField.value) nameField.value = data.filename.replace(/\.[^.]+$/, "");
  }
  async function inspect() {
    $("inspect-summary").textContent = app.dataset.msgInspecting;
    try { renderInspect(await api("POST", `/api/v1/uploads/${uploadId}/inspect`, options())); $("upload-error").classList.add("d-none"); }
    catch (e) { showError(e.message); }
  }
  $("file").addEventListener("change", () => {
    const file = $("file").files[0];
    if (!file) return;
    $("upload-error").classList.add("d-none");
    if (file.size > maxBytes) { showError(app.dataset.msgTooLarge); return; }
    const xhr = new XMLHttpRequest();
    xhr.open("PUT", "/api/v1/uploads?filename=" + encodeURIComponent(file.name));
    xhr.setRequestHeader("X-CSRF-Token", csrfToken());
    xhr.setRequestHeader("Content-Type", "application/octet-stream");
    xhr.setRequestHeader("Accept", "application/json");
    xhr.setRequestHeader("Accept-Language", language);
    $("upload-progress-wrap").classList.remove("d-none");
    xhr.upload.onprogress = (ev) => {
      if (!ev.lengthComputable) return;
      const pct = Math.round(100 * ev.loaded / ev.total);
      $("upload-progress").style.width = pct + "%"; $("upload-progress").textContent = pct + "%";
    };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        uploadId = JSON.parse(xhr.responseText).upload_id;
        $("upload-progress").style.width = "100%"; $("upload-progress").textContent = "100%";
        $("upload-progress").classList.add("bg-success");
        app.dataset.uploadId = uploadId;
        inspect();
      } else { showError(problemText(xhr.responseText)); }
    };
    xhr.onerror = () => showError(app.dataset.msgNetwork);
    xhr.send(file);
  });
  $("reinspect").addEventListener("click", inspect);
  $("opt-sheet").addEventListener("change", () => { $("opt-header").value = ""; inspect(); });
  $("meta-card").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const form = new FormData($("meta-card"));
    const payload = {upload_id: uploadId, options: options()};
    try {
      let job;
      if (target) {
        payload.note = form.get("note") || "";
        job = await api("POST", `/api/v1/resources/${target}/versions`, payload);
      } else {
        const m = {};
        for (const [k, v] of form.entries()) { if (v !== "") m[k] = v; }
        m.tags = (form.get("tags") || "").split(/[,，]/).map((t) => t.trim()).filter(Boolean);
        m.related_codes = (form.get("related_codes") || "").split(/[,，]/).map((t) => t.trim()).filter(Boolean);
        payload.metadata = m;
        job = await api("POST", "/api/v1/resources", payload);
      }
      window.location.href = "/jobs/" + job.id;
    } catch (e) { showError(e.message); window.scrollTo(0, 0); }
  });
})();
