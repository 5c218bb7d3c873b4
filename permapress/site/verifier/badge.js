// The article page's badge: fetch the page's own CAR (#pp-verify data-car), check it with ppCheck
// against the site's key (data-key), compare the text shown with the signed copy's, and set
// data-verified="yes|no|unavailable" with a sentence saying why.
"use strict";
(async () => {
  const badge = document.getElementById("pp-verify");
  if (!badge) return;
  // styled here, not in site.css, which every bundle inlines: a badge is no reason for new CIDs
  Object.assign(badge.style, { margin: "0 0 .75rem", padding: ".5rem .75rem", borderLeft: "4px solid", fontFamily: "var(--sans)", fontSize: ".92rem" });
  const say = (state, text) => {
    badge.dataset.verified = state;
    badge.style.borderColor = { yes: "#1c7c3a", no: "var(--accent)" }[state] || "var(--rule)";
    badge.querySelector(".pp-verify__text").style.fontWeight = state === "no" ? "600" : "";
    badge.querySelector(".pp-verify__text").textContent = text;
    badge.removeAttribute("aria-busy");
  };
  badge.hidden = false;
  let bytes;
  try {
    const response = await fetch(badge.dataset.car);
    if (!response.ok) throw new Error(response.status);
    bytes = new Uint8Array(await response.arrayBuffer());
  } catch {
    return say("unavailable", "Not checked here: this page could not load its own signed copy (as when opened from a file). Use the verifier page or permapress verify.");
  }
  let report;
  try { report = await ppCheck(bytes, badge.dataset.key || ""); }
  catch (e) { return say("no", "Warning: the signed copy of this page does not check: " + e.message); }
  if (!report.valid) return say("no", "Warning: the signed copy of this page does not check: " + report.problems[0]);
  const shown = d => [".headline", ".standfirst", ".lead figcaption", ".body"]
    .map(s => (d.querySelector(".story " + s)?.textContent || "").replace(/\s+/g, " ").trim()).join("\n");
  const signed = new DOMParser().parseFromString(new TextDecoder().decode(report.read("index.html")), "text/html");
  if (shown(signed) !== shown(document)) return say("no", "Warning: the text on this page differs from the text its publisher signed.");
  const r = report.record;
  say("yes", `Verified: signed by ${r.publisher.name} ${r.fp}, version ${r.version} of ${r.version}`);
})();
