// The verify page: a dropped or chosen .car is checked by ppCheck; the verdict is shown in
// #result (data-valid="yes|no|error", "unchecked" for a whole site's CAR) as the lines
// `permapress verify` prints.
"use strict";
(() => {
  const $ = id => document.getElementById(id), out = $("result"), drop = $("drop");
  let seq = 0;
  // what `permapress verify` prints for a bundle (TrustReport.summary)
  function lines(b) {
    const r = b.record, o = [`${b.valid ? "VALID" : "NOT VALID"}: ${b.headline || "(no headline)"}`];
    if (r) o.push(`Publisher: ${r.publisher.name}, key ${r.fp}`, `Version ${r.version} of ${r.version} (content address ${b.root})`);
    b.chain.slice(1).forEach(c => o.push(`  Correction in version ${c.version}, ${c.published.slice(0, 10)}: ${c.note}`));
    b.problems.slice(0, 20).forEach(p => o.push(`Problem: ${p}`));
    if (b.problems.length > 20) o.push(`… and ${b.problems.length - 20} more problems (--json lists every one)`);
    return o.map(ppCheck.printable);
  }
  async function check(file) {
    const mine = ++seq; // only the latest check may show its verdict
    out.dataset.valid = "busy";
    out.textContent = "Checking " + file.name + " …";
    try {
      const report = await ppCheck(new Uint8Array(await file.arrayBuffer()), $("key").value);
      if (mine !== seq) return;
      out.dataset.valid = report.valid ? "yes" : "no";
      out.textContent = lines(report).join("\n");
    } catch (e) {
      if (mine !== seq) return;
      // a whole site is not checked here: not a verdict on it, only a pointer to the command line
      out.dataset.valid = e.site ? "unchecked" : "error";
      out.textContent = (e.site ? "NOT CHECKED: " : "NOT VALID: ") + file.name + ": " + e.message;
    }
  }
  let last = null;
  $("car").addEventListener("change", e => {
    if (e.target.files[0]) check(last = e.target.files[0]);
    e.target.value = ""; // the same file can be chosen again
  });
  $("key").addEventListener("change", () => last && check(last));
  drop.addEventListener("dragover", e => { e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", e => {
    e.preventDefault(); drop.classList.remove("over");
    if (e.dataTransfer.files[0]) check(last = e.dataTransfer.files[0]);
  });
  $("noscript").hidden = true;
  $("form").hidden = false;
})();
