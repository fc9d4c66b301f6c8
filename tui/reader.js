// The polyjudge reader: shows the item on the annotator's screen, shaped by the browser.
// It long-polls `item.json` (relative to the page; on serve's terminal page, the pane's
// `data-item-url`) and puts every text in with textContent, never as HTML; the page's
// Content-Security-Policy allows no other script.
"use strict";

(function () {
  const heading = document.getElementById("heading");
  const where = document.getElementById("where");
  const state = document.getElementById("state");
  const blocks = document.getElementById("blocks");
  const invisible = document.getElementById("invisible");
  const pane = document.getElementById("reader"); // serve's page: the reader beside a terminal
  const source = (pane && pane.dataset.itemUrl) || "item.json";
  let version = -1;
  let current = null;

  function isolated(text, lang, dir) {
    const bdi = document.createElement("bdi");
    bdi.textContent = text;
    if (lang) bdi.lang = lang;
    if (dir) bdi.dir = dir;
    return bdi;
  }

  function render() {
    blocks.replaceChildren();
    heading.replaceChildren();
    document.body.dataset.version = String(current.version);
    where.textContent = current.where || "";
    const item = current.item;
    if (!item) {
      heading.textContent = "Nothing on screen";
      document.body.dataset.uid = "";
      if (!pane) document.title = "polyjudge reader";
      return;
    }
    document.body.dataset.uid = item.uid;
    if (!pane) {
      document.documentElement.lang = item.lang;
      document.title = "polyjudge reader";
    }
    heading.append(isolated(item.uid, "", "auto"));
    const name = item.language_name ? item.language_name + " " : "";
    heading.append(" · " + name + "(", isolated(item.language, "", "ltr"), ")");
    if (item.model) heading.append(" · ", isolated(item.model, "", "auto"));
    for (const block of item.blocks) {
      const section = document.createElement("section");
      section.className = block.kind;
      const title = document.createElement("h2");
      title.textContent = block.title;
      if (block.invisible) {
        const count = document.createElement("span");
        count.className = "invisible-count";
        count.textContent = " · " + block.invisible + " invisible character(s)" +
          (invisible.checked ? " (shown)" : "");
        title.append(count);
      }
      const text = document.createElement("div");
      text.className = "text";
      text.dir = block.dir;
      text.lang = block.lang;
      text.append(isolated(invisible.checked ? block.revealed : block.text, "", ""));
      section.append(title, text);
      blocks.append(section);
    }
  }

  function pause(ms) {
    return new Promise(function (resolve) { setTimeout(resolve, ms); });
  }

  async function follow() {
    for (;;) {
      try {
        const response = await fetch(source + "?after=" + version, { cache: "no-store" });
        if (!response.ok) {
          state.textContent = "the terminal is gone (" + response.status + ")";
          await pause(2000);
          continue;
        }
        current = await response.json();
        state.textContent = "";
        if (current.version !== version) {
          version = current.version;
          render();
        }
      } catch (error) {
        state.textContent = "not connected to the terminal; retrying…";
        await pause(1000);
      }
    }
  }

  invisible.addEventListener("change", function () { if (current) render(); });
  follow();
})();
