// Small progressive enhancements; the site works without them.
(function () {
  "use strict";

  // Copy buttons in the Cite box.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy-target]");
    if (!button) return;
    var field = document.getElementById(button.getAttribute("data-copy-target"));
    if (!field) return;
    field.select();
    var done = function () {
      var original = button.textContent;
      button.textContent = button.getAttribute("data-copied-label") || "Copied";
      setTimeout(function () { button.textContent = original; }, 1500);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(done, function () { document.execCommand("copy"); done(); });
    } else {
      document.execCommand("copy");
      done();
    }
  });

  // Permalinks: flash the target passage so the eye finds it after the jump.
  function flashTarget() {
    if (!location.hash || location.hash.indexOf("#p-") !== 0) return;
    var el = document.getElementById(location.hash.slice(1));
    if (!el) return;
    el.classList.remove("is-flashed");
    void el.offsetWidth;
    el.classList.add("is-flashed");
  }
  window.addEventListener("hashchange", flashTarget);
  document.addEventListener("DOMContentLoaded", flashTarget);

  // A citation's access date is the day the server rendered the page; a cached copy may
  // be served days later, so write in the reader's own today.
  function refreshAccessed() {
    document.querySelectorAll("textarea[data-accessed]").forEach(function (field) {
      var rendered = field.getAttribute("data-accessed");
      var lang = document.documentElement.lang || "en";
      var today;
      try {
        today = new Intl.DateTimeFormat(lang, { year: "numeric", month: "long", day: "numeric" }).format(new Date());
      } catch (e) { return; }
      if (rendered && today !== rendered && field.value.indexOf(rendered) !== -1) {
        field.value = field.value.replace(rendered, today);
        field.setAttribute("data-accessed", today);
      }
    });
  }
  document.addEventListener("DOMContentLoaded", refreshAccessed);

  // Folded by default (a phone reads the text first); opened where it has room beside it.
  function openWide() {
    if (!window.matchMedia("(min-width: 60.01rem)").matches) return;
    document.querySelectorAll("details[data-open-wide]").forEach(function (el) { el.open = true; });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", openWide);
  else openWide();
})();

// The personal layer. Public pages are the same for every viewer (no name, no token, no
// role-specific control in the HTML); a signed-in viewer's part comes from /api/me/ and
// from private fragments, asked for only when the signed_in=1 hint cookie is present.
//   [data-when="signed-in"|"moderator"] hidden until the viewer is signed in / a moderator
//   [data-when="global-moderator"]      hidden until the viewer moderates every country
//   [data-when="anonymous"]             hidden once the viewer is known to be signed in
//   [data-owner="username"]             revealed for that user (or for a granted permission)
//   [data-not-owner="username"]         stays hidden for that user (no flagging oneself)
//   [data-permission="name …"]          revealed when a private fragment grants the name
//   [data-personal="url"]               replaced by that private HTML fragment; a
//                                       [data-grants="name …"] inside it grants permissions
// Every POST form and htmx request takes the CSRF token from the csrftoken cookie when it
// is sent, so no page needs to carry one.
(function () {
  "use strict";

  function cookie(name) {
    var parts = document.cookie ? document.cookie.split("; ") : [];
    for (var i = 0; i < parts.length; i++) {
      var eq = parts[i].indexOf("=");
      if (parts[i].slice(0, eq) === name) return decodeURIComponent(parts[i].slice(eq + 1));
    }
    return null;
  }

  // CSRF: a hidden field put into the form at submit time (the cookie may have been set
  // after the page was rendered, or rotated at sign-in).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form || (form.getAttribute("method") || "").toLowerCase() !== "post") return;
    var token = cookie("csrftoken");
    if (!token && form.hasAttribute("data-needs-csrf") && !form.hasAttribute("data-csrf-asked")) {
      // A first visitor (the language switcher) has no token yet: /api/me/ sets the
      // cookie, then the form goes as it would have.
      event.preventDefault();
      form.setAttribute("data-csrf-asked", "");
      var url = document.body.getAttribute("data-me-url") || "/api/me/";
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .catch(function () {})
        .then(function () {
          if (form.requestSubmit) form.requestSubmit(); else form.submit();
        });
      return;
    }
    if (!token) return;
    var field = form.querySelector("input[name=csrfmiddlewaretoken]");
    if (!field) {
      field = document.createElement("input");
      field.type = "hidden";
      field.name = "csrfmiddlewaretoken";
      form.appendChild(field);
    }
    field.value = token;
  }, true);
  document.addEventListener("htmx:configRequest", function (event) {
    var token = cookie("csrftoken");
    if (token) event.detail.headers["X-CSRFToken"] = token;
  });
  // Sign-in and sign-up links say where to come back to ("next"), but the server never
  // sees the fragment: a reader at "#p-12" would come back to the top of the paper. At
  // the click, "next" becomes this page with its fragment, kept through sign-up and
  // e-mail verification. Only links marked data-next-here, whose next is this page.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-next-here]");
    if (!link || !location.hash) return;
    var url = new URL(link.href, location.href);
    var here = location.pathname + location.search;
    var next = url.searchParams.get("next");
    if (next !== here && next !== location.pathname) return;
    url.searchParams.set("next", here + location.hash);
    link.href = url.pathname + url.search;
  }, true);

  // For other scripts: the token at the time of the request.
  window.creditscapeCsrfToken = function () { return cookie("csrftoken") || ""; };
  // Older scripts read the token from the body's hx-headers (as base.html once rendered
  // it); keep that answer true without rendering the token into the page.
  function exposeToken() {
    var token = cookie("csrftoken");
    if (token && document.body) {
      document.body.setAttribute("hx-headers", JSON.stringify({ "X-CSRFToken": token }));
    }
  }

  var me = null;
  var granted = {};

  function words(value) {
    return (value || "").split(/\s+/).filter(Boolean);
  }

  function allowed(el) {
    var when = el.getAttribute("data-when");
    if (when === "signed-in" && !(me && me.authenticated)) return false;
    if (when === "moderator" && !(me && me.roles && me.roles.moderator)) return false;
    if (when === "global-moderator" && !(me && me.roles && me.roles.global_moderator)) return false;
    var username = me && me.user ? me.user.username : null;
    var notOwner = el.getAttribute("data-not-owner");
    if (notOwner !== null && notOwner === username) return false;
    var owner = el.getAttribute("data-owner");
    var permissions = words(el.getAttribute("data-permission"));
    if (owner === null && !permissions.length) return true;
    if (owner !== null && owner === username) return true;
    return permissions.some(function (name) { return granted[name]; });
  }

  // Grants come from private fragments, inserted into [data-personal] slots or (on a page
  // rendered for its viewer) included in the page itself.
  function collectGrants() {
    document.querySelectorAll("[data-grants]").forEach(function (el) {
      words(el.getAttribute("data-grants")).forEach(function (name) { granted[name] = true; });
    });
  }

  function apply(root) {
    collectGrants();
    var selector = "[data-when], [data-owner], [data-permission], [data-not-owner]";
    root.querySelectorAll(selector).forEach(function (el) {
      if (el.getAttribute("data-when") === "anonymous") {
        el.hidden = !!(me && me.authenticated);
        return;
      }
      el.hidden = !allowed(el);
    });
  }

  function fillHeader() {
    var user = me.user || {};
    document.querySelectorAll("[data-me=name]").forEach(function (el) {
      el.textContent = user.name || user.username || "";
      if (me.links && me.links.profile) el.href = me.links.profile;
    });
    var unread = (me.unread && me.unread.notifications) || 0;
    document.querySelectorAll("[data-me=unread-notifications]").forEach(function (el) {
      var count = el.querySelector("[data-me-count]");
      if (count) count.textContent = String(unread);
      el.hidden = !unread;
    });
  }

  function showMessages() {
    var region = document.querySelector("[data-messages]");
    if (region && me.messages && me.messages.length) {
      me.messages.forEach(function (message) {
        var p = document.createElement("p");
        p.className = "message message--" + message.level;
        p.textContent = message.text;
        region.appendChild(p);
      });
    }
  }

  function loadFragments() {
    var slots = document.querySelectorAll("[data-personal]");
    return Promise.all(Array.prototype.map.call(slots, function (slot) {
      return fetch(slot.getAttribute("data-personal"), {
        credentials: "same-origin",
        headers: { "Accept": "text/html" }
      }).then(function (response) {
        return response.ok ? response.text() : "";
      }).then(function (html) {
        slot.innerHTML = html;
        if (window.htmx) window.htmx.process(slot);
      }, function () {});
    }));
  }

  // Says the personal layer is in place, or that there is none (what a test waits for
  // before measuring the page).
  function ready() { document.documentElement.setAttribute("data-personal", "ready"); }

  function start() {
    exposeToken();
    // Signed-in tools take room on a phone (annotations.css): claim it from the sign-in
    // hint before the first paint, not when /api/me/ answers, so the text does not jump.
    if (cookie("signed_in") === "1") document.body.classList.add("is-signed-in");
    if (cookie("signed_in") !== "1" && cookie("messages_waiting") !== "1") {
      // A session older than the hint cookie (signed in before it existed) would never
      // get its personal layer: ask once per tab, and /api/me/ (private) sets the hint.
      var checked = "creditscape.me-checked";
      try {
        if (!document.cookie || window.sessionStorage.getItem(checked)) return ready();
        window.sessionStorage.setItem(checked, "1");
      } catch (e) { return ready(); }
    }
    var url = document.body.getAttribute("data-me-url") || "/api/me/";
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) return ready();
        exposeToken();  // /api/me/ has just set the cookie if it was missing
        me = data;
        showMessages();
        if (!me.authenticated) {
          document.body.classList.remove("is-signed-in");  // a stale hint
          apply(document);
          ready();
          return;
        }
        // For style rules that show signed-in tools without moving the page (atlas.css).
        document.body.classList.add("is-signed-in");
        fillHeader();
        apply(document);
        return loadFragments().then(function () {
          apply(document);
          document.dispatchEvent(new CustomEvent("creditscape:me", { detail: me }));
          ready();
        });
      })
      .catch(ready);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
