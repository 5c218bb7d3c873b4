/* permapress site search (see permapress/site/search.py for the index it reads).
   The index is a set of small script files; each calls ppSearch(kind, key, data). The page
   adds <script> elements for the chunks a query needs, so it works from file:// too. */
(function () {
  "use strict";
  var here = document.currentScript ? document.currentScript.src : "";
  var base = here.replace(/[^\/]*$/, "");
  var got = { m: {}, t: {}, d: {}, x: {} };
  var loading = {};
  var WORD = /[\p{L}\p{N}]+/gu;
  var CJK = /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]+/g;
  var PAGE = 10;
  var BEFORE = 70, SNIPPET = 220;

  window.ppSearch = function (kind, key, data) {
    if (got[kind]) got[kind][key] = data;
  };

  function load(path) {
    if (!loading[path]) {
      loading[path] = new Promise(function (done) {
        var s = document.createElement("script");
        s.src = base + path;
        s.onload = function () { done(true); };
        s.onerror = function () { done(false); };
        document.head.appendChild(s);
      });
    }
    return loading[path];
  }

  function norm(text) {
    return text.normalize("NFKD").replace(/\p{M}/gu, "").normalize("NFC").toLowerCase();
  }

  function stem(word, meta) {
    for (var i = 0; i < meta.rules.length; i++) {
      var suffix = meta.rules[i][0];
      if (word.endsWith(suffix)) {
        if (Array.from(word).length - Array.from(suffix).length >= meta.min) {
          return word.slice(0, word.length - suffix.length) + meta.rules[i][1];
        }
        return word;
      }
    }
    return word;
  }

  // The terms of one normalized word: [term, isCjk] pairs (search.py: _token_terms).
  function wordTerms(word, meta) {
    var out = [], at = 0, run;
    CJK.lastIndex = 0;
    while ((run = CJK.exec(word)) !== null) {
      if (run.index > at) out.push([stem(word.slice(at, run.index), meta), false]);
      var chars = Array.from(run[0]);
      if (chars.length === 1) out.push([chars[0], true]);
      for (var i = 0; i + 1 < chars.length; i++) out.push([chars[i] + chars[i + 1], true]);
      at = run.index + run[0].length;
    }
    if (at < word.length) out.push([stem(word.slice(at), meta), false]);
    return out;
  }

  function bucket(term, buckets) {
    var bytes = new TextEncoder().encode(Array.from(term).slice(0, 3).join(""));
    var h = 0x811c9dc5;
    for (var i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193) >>> 0;
    return h % buckets;
  }

  // The content-addressed path of term bucket or docs chunk n ("" when the bucket is empty).
  function chunk(meta, kind, n) {
    var hash = meta[kind].substr(n * meta.hash, meta.hash);
    return !hash || /^0+$/.test(hash) ? "" : kind + "/" + n + "-" + hash + ".js";
  }

  // The query's word groups: each a term, matched exactly or (the last word) as a prefix.
  function groups(query, meta) {
    var words = norm(query).match(WORD) || [];
    var open = !/\s$/.test(query), out = [], seen = {};
    words.forEach(function (word, w) {
      wordTerms(word, meta).forEach(function (pair) {
        var prefix = open && w === words.length - 1 && !pair[1] &&
          Array.from(pair[0]).length >= meta.prefix;
        var key = pair[0] + (prefix ? "*" : "");
        if (!seen[key]) { seen[key] = 1; out.push({ term: pair[0], prefix: prefix }); }
      });
    });
    return out;
  }

  function idf(df, n) { return Math.log(1 + (n - df + 0.5) / (df + 0.5)); }

  function rank(query, meta) {
    var wanted = groups(query, meta), hits = {}, matched = {}, piece = {};
    wanted.forEach(function (g, gi) {
      var table = got.t[bucket(g.term, meta.buckets)] || {};
      var best = {};
      Object.keys(table).forEach(function (term) {
        if (term !== g.term && !(g.prefix && term.startsWith(g.term))) return;
        matched[term] = 1;
        var list = table[term], weight = idf(list[0], meta.n), id = 0;
        for (var i = 1; i + 1 < list.length; i += 2) {
          id += list[i];
          // a value is impact + spread * piece (the first piece of the text holding the term)
          var s = weight * (list[i + 1] % meta.spread);
          var where = Math.floor(list[i + 1] / meta.spread);
          if (!(id in best) || best[id] < s) best[id] = s;
          if (!(id in piece) || piece[id] > where) piece[id] = where;
        }
      });
      Object.keys(best).forEach(function (id) {
        var h = hits[id] || (hits[id] = { id: +id, groups: 0, score: 0, piece: meta.nowhere });
        h.piece = Math.min(h.piece, piece[id]);
        h.groups += 1;
        h.score += best[id];
      });
    });
    var list = Object.keys(hits).map(function (id) { return hits[id]; });
    list.sort(function (a, b) {
      return b.groups - a.groups || b.score - a.score || b.id - a.id;
    });
    return { hits: list, matched: matched, groups: wanted.length };
  }

  function chunksFor(query, meta) {
    var paths = [];
    groups(query, meta).forEach(function (g) {
      var path = chunk(meta, "t", bucket(g.term, meta.buckets));
      if (path && paths.indexOf(path) < 0) paths.push(path);
    });
    return paths;
  }

  function marked(text, matched, meta) {
    var frag = document.createDocumentFragment(), at = 0, m;
    WORD.lastIndex = 0;
    while ((m = WORD.exec(text)) !== null) {
      var hit = wordTerms(norm(m[0]), meta).some(function (p) {
        return matched[p[0]] === 1;
      });
      if (!hit) continue;
      frag.appendChild(document.createTextNode(text.slice(at, m.index)));
      var mark = document.createElement("mark");
      mark.textContent = m[0];
      frag.appendChild(mark);
      at = m.index + m[0].length;
    }
    frag.appendChild(document.createTextNode(text.slice(at)));
    return frag;
  }

  // The part of an article's text around its first matching word (the start when none).
  function window_(text, matched, meta) {
    var m, at = -1;
    WORD.lastIndex = 0;
    while ((m = WORD.exec(text)) !== null) {
      if (wordTerms(norm(m[0]), meta).some(function (p) { return matched[p[0]] === 1; })) {
        at = m.index;
        break;
      }
    }
    var start = 0;
    if (at > BEFORE) {
      var space = text.lastIndexOf(" ", at - BEFORE);
      start = space >= at - BEFORE - 30 ? space + 1 : at - BEFORE;
    }
    var end = Math.min(text.length, start + SNIPPET);
    if (end < text.length) {
      var cut = text.lastIndexOf(" ", end);
      if (cut > Math.max(start, at)) end = cut;
    }
    return (start > 0 ? "… " : "") + text.slice(start, end).replace(/\n/g, " ") +
      (end < text.length ? " …" : "");
  }

  // A result's text piece: [slug, headline, date, text, before, after] (before, after: 1 when
  // the article's text goes on there), in its text folder named in its docs chunk: the first
  // piece holding a matched term, else the first.
  function nameOf(h, meta) {
    var names = got.d[Math.floor(h.id / meta.per)], at = (h.id % meta.per) * meta.text;
    var k = h.piece < meta.nowhere ? h.piece : 0;
    return typeof names === "string" ? names.substr(at, meta.text) + "/" + k : "";
  }

  function docOf(h, meta) {
    var name = nameOf(h, meta);
    return name ? got.x[name] : null;
  }

  function show(result, from, meta, list, more) {
    var page = result.hits.slice(from, from + PAGE);
    var files = page.map(function (h) { return chunk(meta, "d", Math.floor(h.id / meta.per)); });
    return Promise.all(files.map(load)).then(function () {
      return Promise.all(page.map(function (h) {
        var name = nameOf(h, meta);
        return name ? load("x/" + name + ".js") : null;
      }));
    }).then(function () {
      page.forEach(function (h) {
        var doc = docOf(h, meta);
        if (!doc) return;
        var li = document.createElement("li");
        li.className = "search__hit";
        var title = document.createElement("h2");
        title.className = "search__headline";
        var a = document.createElement("a");
        a.href = base + "../articles/" + encodeURIComponent(doc[0]) + "/index.html";
        a.appendChild(marked(doc[1], result.matched, meta));
        title.appendChild(a);
        var date = document.createElement("p");
        date.className = "meta";
        date.textContent = doc[2];
        var snippet = document.createElement("p");
        snippet.className = "search__snippet";
        var cut = window_(doc[3], result.matched, meta);
        if (doc[4] && cut.indexOf("… ") !== 0) cut = "… " + cut;
        if (doc[5] && !/ …$/.test(cut)) cut += " …";
        snippet.appendChild(marked(cut, result.matched, meta));
        li.appendChild(title);
        li.appendChild(date);
        li.appendChild(snippet);
        list.appendChild(li);
      });
      more.hidden = from + PAGE >= result.hits.length;
      more.onclick = function () { show(result, from + PAGE, meta, list, more); };
    });
  }

  function run(query) {
    var list = document.getElementById("pp-results");
    var status = document.getElementById("pp-status");
    var more = document.getElementById("pp-more");
    if (!list || !status || !more || list.getAttribute("data-server") === "yes") return;
    list.textContent = "";
    more.hidden = true;
    if (!query.trim()) { status.textContent = ""; return; }
    status.textContent = "Searching…";
    load("meta.js").then(function () {
      var meta = got.m[0];
      if (!meta) { status.textContent = "The search index of this site is missing."; return; }
      return Promise.all(chunksFor(query, meta).map(load)).then(function () {
        var started = performance.now();
        var result = rank(query, meta);
        var full = result.hits.filter(function (h) { return h.groups === result.groups; });
        var count = full.length || result.hits.length;
        status.setAttribute("data-ms", String(Math.round(performance.now() - started)));
        status.setAttribute("data-count", String(result.hits.length));
        status.textContent = result.hits.length === 0 ? "No articles match “" + query + "”." :
          count + (count === 1 ? " article matches" : " articles match") +
          (full.length ? "" : " some of") + " “" + query + "”.";
        return show(result, 0, meta, list, more);
      });
    });
  }

  // The index terms of a text under the given stemming rules (search.py: terms), for checks.
  window.ppSearch.terms = function (text, rules, min) {
    var meta = { rules: rules, min: min }, out = [];
    (norm(text).match(WORD) || []).forEach(function (word) {
      wordTerms(word, meta).forEach(function (pair) { out.push(pair[0]); });
    });
    return out;
  };

  function start() {
    var input = document.getElementById("pp-q");
    var query = new URLSearchParams(location.search).get("q") || "";
    if (input) input.value = query;
    document.documentElement.classList.add("has-search-script");
    run(query);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
