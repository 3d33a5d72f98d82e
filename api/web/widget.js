/* <followup-related article-id="…"> (or q="…"): approved articles related to an article, as links.
   Dependency-free and embeddable: load this script from the Followup server and place the element.
   It renders nothing at all when there is nothing related or the service cannot be reached. */
(function () {
  "use strict";
  if (window.customElements === undefined || window.customElements.get("followup-related")) {
    return;
  }
  // The server this script came from answers the requests, unless api-base says otherwise.
  var scriptOrigin = document.currentScript ? new URL(document.currentScript.src, location.href).origin : "";

  var STYLE = [
    ":host{display:block}",
    ":host([hidden]){display:none}",
    "h2{font:600 0.8125rem/1.3 system-ui,sans-serif;letter-spacing:.06em;text-transform:uppercase;",
    "color:var(--followup-muted,#4a5563);margin:0 0 .5rem}",
    "ul{list-style:none;margin:0;padding:0}",
    "li{border-top:1px solid var(--followup-rule,#d9dee5)}",
    "li:first-child{border-top:0}",
    "a{display:block;padding:.6rem 0;color:var(--followup-link,#0b4f8a);text-decoration:none;",
    "font:1rem/1.4 system-ui,sans-serif}",
    "a:hover{text-decoration:underline}",
    "a:focus-visible{outline:3px solid var(--followup-focus,#f2a900);outline-offset:2px;border-radius:2px}"
  ].join("");

  class FollowupRelated extends HTMLElement {
    static get observedAttributes() {
      return ["article-id", "q", "k", "api-base"];
    }

    constructor() {
      super();
      this.attachShadow({ mode: "open" });
      this._request = 0;
    }

    connectedCallback() {
      this._load();
    }

    attributeChangedCallback() {
      if (this.isConnected) {
        this._load();
      }
    }

    _clear() {
      this.shadowRoot.replaceChildren();
      this.hidden = true;
    }

    _load() {
      var request = ++this._request;
      var base = this.getAttribute("api-base") || scriptOrigin;
      var params = new URLSearchParams();
      var articleId = this.getAttribute("article-id");
      var q = this.getAttribute("q");
      var path;
      if (articleId) {
        path = "/v1/articles/" + encodeURIComponent(articleId) + "/related?";
      } else if (q) {
        path = "/v1/related?";
        params.set("q", q);
      } else {
        this._clear();
        return;
      }
      params.set("k", this.getAttribute("k") || "5");
      var self = this;
      fetch(base + path + params.toString(), { headers: { accept: "application/json" } })
        .then(function (response) {
          return response.ok ? response.json() : { items: [] };
        })
        .then(function (body) {
          if (request === self._request) {
            self._render(base, Array.isArray(body.items) ? body.items : []);
          }
        })
        .catch(function () {
          if (request === self._request) {
            self._clear();
          }
        });
    }

    _render(base, items) {
      if (items.length === 0) {
        this._clear();
        return;
      }
      var style = document.createElement("style");
      style.textContent = STYLE;
      var heading = document.createElement("h2");
      heading.setAttribute("part", "heading");
      heading.textContent = this.getAttribute("heading") || "Related questions";
      var list = document.createElement("ul");
      list.setAttribute("part", "list");
      items.forEach(function (item) {
        var link = document.createElement("a");
        link.setAttribute("part", "link");
        link.href = base + "/articles/" + encodeURIComponent(item.article_id);
        link.textContent = item.question;
        var entry = document.createElement("li");
        entry.appendChild(link);
        list.appendChild(entry);
      });
      var nav = document.createElement("nav");
      nav.setAttribute("aria-label", heading.textContent);
      nav.append(heading, list);
      this.shadowRoot.replaceChildren(style, nav);
      this.hidden = false;
    }
  }

  window.customElements.define("followup-related", FollowupRelated);
})();
