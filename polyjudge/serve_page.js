// serve's terminal page (polyjudge/serve_page.py): the reader's hide switch (remembered in this
// browser), the restart button, and the terminal's focus kept after a click on the reader's
// controls, so the next key press still reaches the annotate screen. No content passes here.
"use strict";

(function () {
  const KEY = "polyjudge.serve.reader";
  const body = document.body;
  const hide = document.getElementById("reader-hide");
  const show = document.getElementById("reader-show");
  const invisible = document.getElementById("invisible");

  function focusTerminal() {
    const input = document.querySelector("#terminal textarea");
    if (input) input.focus();
  }

  function remember(shown) {
    try {
      window.localStorage.setItem(KEY, shown ? "shown" : "hidden");
    } catch (error) {
      // storage refused (private mode): the switch still works for this page
    }
  }

  function recalled() {
    try {
      return window.localStorage.getItem(KEY) !== "hidden";
    } catch (error) {
      return true;
    }
  }

  function showReader(shown) {
    body.classList.toggle("reader-hidden", !shown);
    show.hidden = shown;
    // textual.js refits the terminal (and tells the app its new size) on a window resize.
    window.dispatchEvent(new Event("resize"));
  }

  document.getElementById("restart").addEventListener("click", function () {
    window.location.reload();
  });
  document.getElementById("start").addEventListener("click", function () {
    // textual.js waits for this click when the link has `?delay`: start without it.
    const url = new URL(window.location.href);
    url.searchParams.delete("delay");
    window.location.assign(url.pathname + url.search);
  });
  if (!hide || !show) return; // a server without the reader
  hide.addEventListener("click", function () {
    showReader(false);
    remember(false);
    focusTerminal();
  });
  show.addEventListener("click", function () {
    showReader(true);
    remember(true);
    focusTerminal();
  });
  invisible.addEventListener("change", focusTerminal);
  showReader(recalled());
})();
