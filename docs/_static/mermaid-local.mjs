// Offline Mermaid for sphinxcontrib-mermaid (conf.py: mermaid_use_local = "mermaid-local.mjs").
// The extension imports Mermaid as an ES module; the vendored single-file build
// (vendor/mermaid/mermaid.min.js, MIT, version in conf.py) is a classic script that sets
// globalThis.mermaid, so load it as one and re-export it. No request leaves the site.
await new Promise((resolve, reject) => {
  const script = document.createElement("script");
  script.src = new URL("./vendor/mermaid/mermaid.min.js", import.meta.url).href;
  script.onload = resolve;
  script.onerror = () => reject(new Error("mermaid.min.js failed to load"));
  document.head.appendChild(script);
});
export default globalThis.mermaid;
