/* The clinician's page: an approved article, its follow-up box (POST /v1/ask) and related questions. */
(function () {
  "use strict";

  var match = location.pathname.match(/^\/articles\/([^/]+)\/?$/);
  var articleId = match ? decodeURIComponent(match[1]) : null;
  var history = [];

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      if (name === "text") {
        node.textContent = attrs[name];
      } else {
        node.setAttribute(name, attrs[name]);
      }
    });
    (children || []).forEach(function (child) {
      if (child !== null && child !== undefined) {
        node.append(child);
      }
    });
    return node;
  }

  function formatDate(iso) {
    var date = new Date(iso + "T00:00:00Z");
    return isNaN(date) ? iso : date.toLocaleDateString("en-GB", { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });
  }

  function statusLabel(status) {
    return { approved: "Approved", under_review: "Under review", submitted: "Submitted" }[status] || status;
  }

  // Citation numbers as links to the reference list (on this page, or on the cited article's page).
  function citations(numbers, ofArticle) {
    if (!numbers || numbers.length === 0) {
      return null;
    }
    var prefix = ofArticle === articleId ? "" : "/articles/" + encodeURIComponent(ofArticle);
    var sup = el("sup", { class: "cite" }, ["["]);
    numbers.forEach(function (n, i) {
      if (i > 0) {
        sup.append(", ");
      }
      sup.append(el("a", { href: prefix + "#ref-" + n, "aria-label": "reference " + n, text: String(n) }));
    });
    sup.append("]");
    return sup;
  }

  function blocks(list, ofArticle) {
    var out = [];
    var bullets = null;
    list.forEach(function (block) {
      var content = [block.text, " ", citations(block.citations, ofArticle)];
      if (block.kind === "bullet") {
        if (bullets === null) {
          bullets = el("ul");
          out.push(bullets);
        }
        bullets.append(el("li", {}, content));
      } else {
        bullets = null;
        out.push(el("p", {}, content));
      }
    });
    return out;
  }

  function section(sec, ofArticle) {
    var level = Math.min(Math.max(sec.level, 2), 6);
    var nodes = [el("h" + level, { text: sec.title })].concat(blocks(sec.blocks, ofArticle));
    sec.subsections.forEach(function (sub) {
      nodes = nodes.concat(section(sub, ofArticle));
    });
    return nodes;
  }

  function caveatBox(text) {
    return el("p", { class: "caveat", role: "note" }, [el("strong", { text: "Pending review" }), text]);
  }

  function renderArticle(article) {
    document.title = article.question + " — Followup";
    var meta = el("p", { class: "meta" }, [
      el("span", { class: "badge", text: statusLabel(article.review_status) }),
      el("span", {}, ["Last updated ", el("time", { datetime: article.last_updated, text: formatDate(article.last_updated) })]),
      article.url ? el("a", { href: article.url, rel: "noopener", text: "Source page" }) : null,
      el("a", { class: "jump", href: "#ask-title", text: "Ask a follow-up question ↓" })
    ]);
    var parts = [el("h1", { text: article.question }), meta, caveatBox(article.caveat)];
    if (article.answer.length) {
      parts.push(el("div", { class: "summary" }, [
        article.answer_heading ? el("h2", { text: article.answer_heading }) : null
      ].concat(blocks(article.answer, article.id))));
    }
    article.sections.forEach(function (sec) {
      parts = parts.concat(section(sec, article.id));
    });
    if (article.references.length) {
      var list = el("ol");
      article.references.forEach(function (ref) {
        list.append(el("li", { id: "ref-" + ref.number, value: String(ref.number), text: ref.text }));
      });
      parts.push(el("section", { class: "references", "aria-labelledby": "refs-title" }, [
        el("h2", { id: "refs-title", text: "References" }), list
      ]));
    }
    document.getElementById("article").replaceChildren.apply(document.getElementById("article"), parts);
    if (location.hash) {
      var target = document.getElementById(location.hash.slice(1));
      if (target) {
        target.scrollIntoView();
      }
    }
  }

  function renderIndex(items) {
    var list = el("ul", { class: "article-list" });
    items.forEach(function (item) {
      list.append(el("li", {}, [el("a", { href: "/articles/" + encodeURIComponent(item.id), text: item.question })]));
    });
    var box = document.getElementById("article");
    box.replaceChildren(
      el("h1", { text: "Reviewed clinical questions" }),
      el("p", { class: "meta", text: items.length + " approved articles. Open one, or ask a question on the right." }),
      list
    );
  }

  function showArticleError(message) {
    document.getElementById("article").replaceChildren(
      el("h1", { text: "Article not available" }),
      el("p", { class: "error", text: message }),
      el("p", {}, [el("a", { href: "/", text: "Back to all articles" })])
    );
  }

  function loadPage() {
    var related = document.getElementById("related");
    if (articleId === null) {
      fetch("/v1/articles").then(function (r) { return r.ok ? r.json() : Promise.reject(r); })
        .then(renderIndex)
        .catch(function () { showArticleError("The article list could not be loaded."); });
      return;
    }
    related.setAttribute("article-id", articleId);
    fetch("/v1/articles/" + encodeURIComponent(articleId))
      .then(function (r) {
        if (r.status === 404) {
          throw new Error("There is no approved article with this id.");
        }
        return r.ok ? r.json() : Promise.reject(new Error("The article could not be loaded."));
      })
      .then(renderArticle)
      .catch(function (err) { showArticleError(err.message || "The article could not be loaded."); });
  }

  function references(refs) {
    // The sources of the passage's citation numbers, so a claim can be checked without leaving the answer.
    if (!refs || !refs.length) {
      return null;
    }
    var list = el("ol", { class: "refs", "aria-label": "References cited" });
    refs.forEach(function (ref) {
      var parts = [ref.text];
      if (ref.url) {
        parts.push(" ", el("a", { href: ref.url, rel: "noopener", text: "Open source" }));
      }
      list.append(el("li", { value: String(ref.number) }, parts));
    });
    return list;
  }

  function sendFeedback(asked, kind, chunkId, button) {
    // Helpful / not helpful for one passage, or none of them answering: POST /v1/feedback (api/feedback.py).
    var payload = { question: asked.question, history: asked.history, kind: kind };
    if (asked.article_id) {
      payload.article_id = asked.article_id;
    }
    if (chunkId) {
      payload.chunk_id = chunkId;
    }
    var group = button.parentNode;
    group.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
    fetch("/v1/feedback", {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify(payload)
    })
      .then(function (r) {
        group.append(el("span", { class: "thanks", role: "status", text: r.ok ? " Thank you." : " Not sent." }));
      })
      .catch(function () {
        group.append(el("span", { class: "thanks", role: "status", text: " Not sent." }));
      });
  }

  function feedbackButtons(asked, choices, chunkId) {
    var group = el("p", { class: "feedback" });
    choices.forEach(function (choice) {
      var button = el("button", { type: "button", class: "link", "data-kind": choice[0], text: choice[1] });
      button.addEventListener("click", function () { sendFeedback(asked, choice[0], chunkId, button); });
      group.append(button);
    });
    return group;
  }

  function renderAnswer(body, asked) {
    var out = [caveatBox(body.caveat)];
    var outcome = body.outcome || (body.answered ? "answered" : "declined");
    var unmentioned = body.unmentioned || [];  // drug or disease names no approved article says
    if (outcome === "declined" || body.passages.length === 0) {
      out.push(el("p", { class: "none", role: "status", text: body.reason || "No approved article answers this question." }));
      return out;
    }
    if (outcome === "uncertain") {
      out.push(el("p", { class: "uncertain", role: "status" }, [
        el("strong", { text: "These may not answer your question. " }), body.reason || ""
      ]));
    } else if (unmentioned.length) {
      var named = "Not mentioned in any approved article: " + unmentioned.join(", ") + ".";
      out.push(el("p", { class: "unmentioned", text: named }));
    }
    var list = el("ol", { class: outcome === "uncertain" ? "passages nearest" : "passages" });
    body.passages.forEach(function (p) {
      var where = [];
      if (p.article_id !== articleId) {
        where.push(el("a", { href: "/articles/" + encodeURIComponent(p.article_id), text: p.article_title }), " › ");
      }
      where.push(p.section.length ? p.section.join(" › ") : "Summary");
      list.append(el("li", { class: "passage" }, [
        el("p", { class: "where" }, where),
        el("p", { class: "text" }, [p.text, " ", citations(p.citations, p.article_id)]),
        references(p.references),
        feedbackButtons(asked, [["helpful", "Helpful"], ["not_helpful", "Not helpful"]], p.chunk_id)
      ]));
    });
    out.push(list);
    out.push(feedbackButtons(asked, [["none_answer", "None of these answer my question"]], null));
    return out;
  }

  function ask(event) {
    event.preventDefault();
    var input = document.getElementById("question");
    var button = document.getElementById("ask-button");
    var answer = document.getElementById("answer");
    var question = input.value.trim();
    if (!question) {
      answer.replaceChildren(el("p", { class: "error", text: "Type a question first." }));
      input.focus();
      return;
    }
    var payload = { question: question, history: history.slice(-10), top_k: 3 };
    if (articleId !== null) {
      payload.article_id = articleId;
    }
    button.disabled = true;
    answer.replaceChildren(el("p", { class: "status", text: "Searching approved articles…" }));
    fetch("/v1/ask", {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify(payload)
    })
      .then(function (r) {
        return r.json().then(function (body) {
          if (!r.ok) {
            throw new Error(typeof body.detail === "string" ? body.detail : "The question could not be read.");
          }
          return body;
        });
      })
      .then(function (body) {
        var asked = { question: question, history: payload.history, article_id: payload.article_id || null };
        history.push(question);
        answer.replaceChildren.apply(answer, renderAnswer(body, asked));
        if (articleId === null) {
          document.getElementById("related").setAttribute("q", question);
        }
      })
      .catch(function (err) {
        answer.replaceChildren(el("p", { class: "error", text: err.message || "The service could not be reached." }));
      })
      .finally(function () {
        button.disabled = false;
      });
  }

  document.getElementById("ask-form").addEventListener("submit", ask);
  document.getElementById("question").addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      document.getElementById("ask-form").requestSubmit();
    }
  });
  loadPage();
})();
