/*
 * zh-search.js — split unspaced Chinese search queries in the browser.
 *
 * Sphinx indexes Chinese pages with jieba (``cut_for_search``; words of one character are
 * dropped), but its client-side ``splitQuery`` only splits on spaces and punctuation, so a
 * query such as 「核查承诺书」 stays one term that the index does not contain, and Sphinx
 * requires every term to match.  This file defines ``splitQuery`` before searchtools.js
 * loads (searchtools.js keeps an existing definition):
 *
 * 1. split on anything that is not a letter, number or "_" (what Sphinx does);
 * 2. cut each run of Han characters into words with ``Intl.Segmenter`` (granularity "word");
 * 3. join neighbouring ICU words into the longest term the loaded index knows, cut longer
 *    unknown words into known terms (jieba and ICU do not cut alike), and drop single
 *    characters (the index has none).
 *
 * Without ``Intl.Segmenter`` (very old browsers) step 2 is skipped and step 3 alone applies.
 */
"use strict";

var splitQuery = (function () {
  const HAN = /\p{Script=Han}/u;
  const segmenter =
    typeof Intl !== "undefined" && typeof Intl.Segmenter === "function"
      ? new Intl.Segmenter("zh", { granularity: "word" })
      : null;

  /** Terms of the loaded search index (titles included), or null before it loads. */
  const indexTerms = () => {
    const search = typeof Search !== "undefined" ? Search : null;
    const index = search && search._index;
    if (!index) return null;
    return (term) =>
      Object.prototype.hasOwnProperty.call(index.terms, term) ||
      Object.prototype.hasOwnProperty.call(index.titleterms, term);
  };

  /** Greedy longest-match cut of a Han word into index terms of length >= 2. */
  const cutIntoKnown = (word, known) => {
    const parts = [];
    let i = 0;
    while (i < word.length) {
      let found = 0;
      for (let j = word.length; j >= i + 2; j--) {
        if (known(word.slice(i, j))) {
          found = j;
          break;
        }
      }
      if (found) {
        parts.push(word.slice(i, found));
        i = found;
      } else {
        i += 1;
      }
    }
    return parts;
  };

  /**
   * Cut a run of Han characters into index terms. ICU word boundaries (Intl.Segmenter) are
   * the candidate cuts; adjacent ICU words are merged into the longest index term they form
   * (ICU cuts 「适配器」 into 适|配|器, jieba keeps it whole), a longer ICU word the index
   * lacks is cut into known terms, and what is left of one character is dropped.
   */
  const splitHan = (run, known) => {
    const words = segmenter
      ? Array.from(segmenter.segment(run))
          .filter((s) => s.isWordLike)
          .map((s) => s.segment)
      : [run];
    if (!known) return words.filter((w) => w.length > 1);
    const out = [];
    let i = 0;
    while (i < words.length) {
      let joined = "";
      let best = -1;
      for (let j = i; j < words.length && joined.length < 16; j++) {
        joined += words[j];
        if (joined.length > 1 && known(joined)) best = j;
      }
      if (best >= 0) {
        out.push(words.slice(i, best + 1).join(""));
        i = best + 1;
      } else {
        if (words[i].length > 1) out.push(...cutIntoKnown(words[i], known));
        i += 1;
      }
    }
    return out;
  };

  return (query) => {
    const known = indexTerms();
    const terms = [];
    for (const run of query.split(/[^\p{Letter}\p{Number}_\p{Emoji_Presentation}]+/gu)) {
      if (!run) continue;
      if (HAN.test(run)) {
        // Latin letters inside a Han run (e.g. "SM2签名") stay together as one term.
        for (const piece of run.split(/(\P{Script=Han}+)/u)) {
          if (!piece) continue;
          if (HAN.test(piece)) terms.push(...splitHan(piece, known));
          else terms.push(piece);
        }
      } else {
        terms.push(run);
      }
    }
    return [...new Set(terms)];
  };
})();

/*
 * Ranking: Sphinx gives a page that merely has every query word in some heading the same
 * score as the section whose title *is* the query, and breaks the tie alphabetically. For
 * Chinese the unspaced phrase itself is the best evidence, so a result whose title contains
 * the whole query (spaces ignored) is ranked above results that only match its words.
 * The other weights are Sphinx's defaults (searchtools.js keeps an existing Scorer).
 */
var Scorer = {
  score: (result) => {
    const [, title, , , score] = result;
    const query = (new URLSearchParams(window.location.search).get("q") || "")
      .replace(/\s+/gu, "")
      .toLowerCase();
    const plainTitle = String(title || "").replace(/\s+/gu, "").toLowerCase();
    return query.length > 1 && plainTitle.includes(query) ? score + 20 : score;
  },
  objNameMatch: 11,
  objPartialMatch: 6,
  objPrio: { 0: 15, 1: 5, 2: -5 },
  objPrioDefault: 0,
  title: 15,
  partialTitle: 7,
  term: 5,
  partialTerm: 2,
};
