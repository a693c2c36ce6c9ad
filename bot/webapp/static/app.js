// The dashboard's shell: reads the Mini App's initData, asks the server for each view with it in a header
// (never a cookie), and loads pictures and downloads the same way. No framework, no build.
"use strict";
(function () {
  const view = document.getElementById("view");
  const hash = new URLSearchParams(location.hash.slice(1));
  const tg = window.Telegram && window.Telegram.WebApp;
  // Telegram puts the signed data in the URL's fragment; keep it for this tab's later views.
  let initData = (tg && tg.initData) || hash.get("tgWebAppData") || sessionStorage.getItem("tgInitData") || "";
  if (initData) sessionStorage.setItem("tgInitData", initData);

  function theme(params) {
    if (!params) return;
    for (const [key, value] of Object.entries(params)) {
      if (/^[a-z_]+$/.test(key) && /^#[0-9a-fA-F]{3,8}$/.test(String(value))) {
        document.documentElement.style.setProperty("--tg-" + key.replace(/_/g, "-"), value);
      }
    }
  }
  try { theme(JSON.parse(hash.get("tgWebAppThemeParams") || "null")); } catch (e) { /* no theme: defaults */ }

  function headers() { return { "X-Telegram-Init-Data": initData }; }

  async function show(search, push) {
    const params = new URLSearchParams(search);
    const name = params.get("v") || "home";
    params.delete("v");
    if (!initData) { view.innerHTML = "<section class='refusal'><p></p></section>"; view.querySelector("p").textContent = view.dataset.noInit; return; }
    view.classList.add("busy");
    try {
      const answer = await fetch("api/" + encodeURIComponent(name) + "?" + params.toString(), { headers: headers() });
      view.innerHTML = await answer.text();
    } catch (e) {
      view.textContent = String(e);
    }
    view.classList.remove("busy");
    if (push) history.pushState(null, "", "?" + new URLSearchParams(search).toString() + location.hash);
    hydrate();
    window.scrollTo(0, 0);
  }

  async function blob(url) {
    const answer = await fetch(url, { headers: headers() });
    if (!answer.ok) throw new Error(String(answer.status));
    return URL.createObjectURL(await answer.blob());
  }

  let refresh = null;
  function hydrate() {
    clearTimeout(refresh);
    const here = new URLSearchParams(location.search).get("v") || "home";
    for (const a of view.querySelectorAll(".bar a")) a.classList.toggle("here", a.dataset.nav === here);
    const stale = view.querySelector("[data-refresh]");
    if (stale) refresh = setTimeout(() => show(location.search.slice(1), false), Number(stale.dataset.refresh));
    for (const img of view.querySelectorAll("img[data-src]")) {
      blob(img.dataset.src).then((url) => { img.src = url; img.classList.add("loaded"); })
        .catch(() => img.classList.add("failed"));
    }
    for (const link of view.querySelectorAll("a[data-download]")) {
      link.addEventListener("click", (event) => {
        event.preventDefault();
        fetchFile(link.dataset.download, link.dataset.link, link.dataset.name || "file");
      });
    }
  }

  // Inside Telegram (Bot API 8.0+) its own download, from a one-time link; elsewhere the file itself.
  async function fetchFile(path, linkQuery, name) {
    const app = window.Telegram && window.Telegram.WebApp;
    if (app && app.downloadFile && app.isVersionAtLeast && app.isVersionAtLeast("8.0")) {
      const answer = await fetch("api/link?" + linkQuery, { headers: headers() });
      if (!answer.ok) throw new Error(String(answer.status));
      app.downloadFile({ url: new URL(await answer.text(), location.href).href, file_name: name });
      return;
    }
    const a = document.createElement("a");
    a.href = await blob(path); a.download = name; document.body.appendChild(a); a.click(); a.remove();
  }

  document.addEventListener("click", (event) => {
    const a = event.target.closest("a[href^='?']");
    if (!a || event.defaultPrevented) return;
    event.preventDefault();
    show(a.getAttribute("href").slice(1), true);
  });

  document.addEventListener("submit", async (event) => {
    const form = event.target;
    event.preventDefault();
    const data = new FormData(form, event.submitter);
    if (form.dataset.view) {
      const params = new URLSearchParams();
      params.set("v", form.dataset.view);
      for (const [key, value] of data) if (value) params.set(key, value);
      show(params.toString(), true);
    } else if (form.dataset.export) {
      const period = String(data.get("period") || "");
      const query = new URLSearchParams({ period });
      if (data.get("list")) query.set("list", String(data.get("list")));
      try { await fetchFile(form.dataset.export + "?" + query, form.dataset.link + "&" + query, period + ".xlsx"); }
      catch (e) { form.classList.add("failed"); }
    } else if (form.dataset.action) {
      for (const button of form.querySelectorAll("button")) button.disabled = true;
      const answer = await fetch("api/" + form.dataset.action, { method: "POST", headers: headers(), body: new URLSearchParams(data) });
      const note = document.createElement("div");
      note.innerHTML = await answer.text();
      form.replaceWith(note);
    }
  });

  // A direct link (t.me/<bot>/<app>?startapp=item-123, from a group) opens the app at its start view: the
  // number is a database id (an item's or a unit's), never a per-list number that could mean another task.
  function startView() {
    const start = new URLSearchParams(location.search).get("tgWebAppStartParam")
      || (tg && tg.initDataUnsafe && tg.initDataUnsafe.start_param) || "";
    const m = /^(home|items|item|unit|units|chart|export)(?:-(\d{1,9}))?$/.exec(start);
    if (!m || new URLSearchParams(location.search).get("v")) return;
    const params = new URLSearchParams({ v: m[1] });
    if (m[2]) params.set("id", m[2]);
    history.replaceState(null, "", "?" + params.toString() + location.hash);
  }
  startView();

  window.addEventListener("popstate", () => show(location.search.slice(1), false));
  window.addEventListener("load", () => {
    const app = window.Telegram && window.Telegram.WebApp;
    if (app) { app.ready(); app.expand(); theme(app.themeParams); if (!initData && app.initData) { initData = app.initData; show(location.search.slice(1), false); } }
  });
  show(location.search.slice(1), false);
})();
