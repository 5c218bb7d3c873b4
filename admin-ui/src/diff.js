// A line diff (longest common subsequence) for the conflict view: what the other save has
// and what this page has, side by side in one list.

export function diffLines(theirs, mine) {
  const a = String(theirs || "").split("\n");
  const b = String(mine || "").split("\n");
  // trim the common head and tail so long articles with a small change stay cheap
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const midA = a.slice(start, endA);
  const midB = b.slice(start, endB);
  const n = midA.length;
  const m = midB.length;
  const rows = [];
  for (let i = 0; i < start; i++) rows.push({ kind: "same", text: a[i] });
  if (n * m > 4_000_000) {
    // too large to align: show the whole middle as replaced
    for (const line of midA) rows.push({ kind: "theirs", text: line });
    for (const line of midB) rows.push({ kind: "mine", text: line });
  } else {
    const table = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        table[i][j] = midA[i] === midB[j] ? table[i + 1][j + 1] + 1 : Math.max(table[i + 1][j], table[i][j + 1]);
      }
    }
    let i = 0;
    let j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && midA[i] === midB[j]) {
        rows.push({ kind: "same", text: midA[i] });
        i++;
        j++;
      } else if (j < m && (i >= n || table[i][j + 1] >= table[i + 1][j])) {
        rows.push({ kind: "mine", text: midB[j] });
        j++;
      } else {
        rows.push({ kind: "theirs", text: midA[i] });
        i++;
      }
    }
  }
  for (let i = endA; i < a.length; i++) rows.push({ kind: "same", text: a[i] });
  return rows;
}
