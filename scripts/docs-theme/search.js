/* search.js: the search box of the HTML documentation (copied from
   scripts/docs-theme/ by scripts/build-docs).

   search-index.js, written by the build, sets DOCS_SEARCH_INDEX to
   [{page, title, sections: [{id, heading, text}]}]; it is a plain script
   so that the search works from file:// too, where fetch() is refused. */
"use strict";

const MAX_RESULTS = 20;
const SNIPPET_BEFORE = 40;
const SNIPPET_LENGTH = 160;

/* The sections holding every word of the query (in the page title, the
   heading or the text), best first: a heading match counts most. */
function searchDocs(index, query) {
    const words = query.toLowerCase().split(/\s+/).filter(Boolean);
    if (words.length === 0) return [];
    const results = [];
    index.forEach(page => page.sections.forEach(section => {
        const score = sectionScore(page, section, words);
        if (score > 0) results.push({page, section, score, order: results.length});
    }));
    results.sort((a, b) => b.score - a.score || a.order - b.order);
    return results.slice(0, MAX_RESULTS).map(({page, section}) => ({
        url: page.page + (section.id ? "#" + section.id : ""),
        where: section.heading && section.heading !== page.title
            ? page.title + " › " + section.heading : page.title,
        snippet: snippet(section.text, words[0]),
    }));
}

/* The section's points for the query: 0 unless every word is in it. */
function sectionScore(page, section, words) {
    const title = page.title.toLowerCase();
    const heading = section.heading.toLowerCase();
    const text = section.text.toLowerCase();
    let score = 0;
    for (const word of words) {
        const points = (heading.includes(word) ? 10 : 0)
            + (title.includes(word) ? 3 : 0) + (text.includes(word) ? 1 : 0);
        if (points === 0) return 0;
        score += points;
    }
    return score;
}

/* A piece of the text around the first place the word is. */
function snippet(text, word) {
    const at = Math.max(0, text.toLowerCase().indexOf(word));
    const start = Math.max(0, at - SNIPPET_BEFORE);
    const end = start + SNIPPET_LENGTH;
    return (start > 0 ? "…" : "") + text.slice(start, end) + (end < text.length ? "…" : "");
}

function resultItem(result) {
    const link = document.createElement("a");
    link.href = result.url;
    const where = document.createElement("span");
    where.className = "search-where";
    where.textContent = result.where;
    const text = document.createElement("span");
    text.className = "search-snippet";
    text.textContent = result.snippet;
    link.append(where, text);
    const item = document.createElement("li");
    item.append(link);
    return item;
}

function setUpSearchBox(box, input, list) {
    const index = typeof DOCS_SEARCH_INDEX === "undefined" ? [] : DOCS_SEARCH_INDEX;
    function show() {
        const query = input.value.trim();
        const results = searchDocs(index, query);
        list.replaceChildren(...results.map(resultItem));
        if (query && results.length === 0) {
            const none = document.createElement("li");
            none.className = "search-none";
            none.textContent = "Nothing found.";
            list.append(none);
        }
        list.hidden = !query;
    }
    input.addEventListener("input", show);
    input.addEventListener("focus", show);
    input.addEventListener("keydown", event => {
        const first = list.querySelector("a");
        if (event.key === "Enter" && first) {
            list.hidden = true;
            window.location.href = first.href;
        }
        if (event.key === "Escape") { input.value = ""; show(); }
    });
    // A chosen result or a click elsewhere closes the list.
    document.addEventListener("click", event => {
        if (!box.contains(event.target) || event.target.closest("a")) list.hidden = true;
    });
}

// Without a document (node, in test/test_docs_build.py) only searchDocs is used.
if (typeof document !== "undefined") {
    const input = document.getElementById("search-input");
    if (input) setUpSearchBox(input.parentElement, input, document.getElementById("search-results"));
}
