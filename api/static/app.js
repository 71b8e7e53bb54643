// The page's behaviour: ask POST /ask, show the cited passages. No framework, no build step.
// All article and question text goes into the page through textContent / text nodes only.
"use strict";

const LABELS = {
  en: {
    title: "Health news QA",
    intro: "Ask in Korean or English. Answers are passages quoted from the indexed news articles, with their sources.",
    question: "Question",
    placeholder: "e.g. What is NSTRI? / 서울대병원이 보스턴에서 소개한 플랫폼은?",
    ask: "Ask",
    filters: "Filters",
    source: "Source",
    language: "Language",
    any: "Any",
    korean: "Korean",
    english: "English",
    from: "From",
    to: "To",
    topK: "Passages",
    default: "default",
    toggle: "한국어",
    toggleLabel: "한국어로 보기",
    loading: "Searching the articles…",
    found: (n) => `${n} cited passage${n === 1 ? "" : "s"}`,
    notFound: "Not found in the indexed articles",
    notFoundDetail: "The indexed articles do not seem to answer this question.",
    uncertain: "These passages may not answer the question",
    uncertainDetail: "The match is weak: check the cited passages before relying on them.",
    corrected: (pairs) => `searched as: ${pairs}`,
    closest: "Closest passages (they may not answer the question)",
    noPassages: "No passages match the filters.",
    emptyQuestion: "Type a question first.",
    badDates: "The “from” date is after the “to” date.",
    error: "Error",
    unreachable: "The server could not be reached. Check that it is running and try again.",
    confidence: "confidence",
    noDate: "no date",
    answerSpan: "Answer",
    openArticle: "opens in a new tab",
    articles: (n) => `${n} articles`,
  },
  ko: {
    title: "건강 뉴스 질의응답",
    intro: "한국어나 영어로 질문하세요. 색인된 뉴스 기사에서 인용한 구절과 출처로 답합니다.",
    question: "질문",
    placeholder: "예: 서울대병원이 보스턴에서 소개한 플랫폼은? / What is NSTRI?",
    ask: "질문하기",
    filters: "필터",
    source: "출처",
    language: "언어",
    any: "전체",
    korean: "한국어",
    english: "영어",
    from: "시작일",
    to: "종료일",
    topK: "구절 수",
    default: "기본값",
    toggle: "English",
    toggleLabel: "Show in English",
    loading: "기사를 검색하는 중…",
    found: (n) => `인용 구절 ${n}개`,
    notFound: "색인된 기사에서 답을 찾지 못했습니다",
    notFoundDetail: "색인된 기사로는 이 질문에 답할 수 없는 것 같습니다.",
    uncertain: "이 구절들이 질문에 대한 답이 아닐 수 있습니다",
    uncertainDetail: "일치도가 낮습니다. 인용된 구절을 확인한 뒤 활용하세요.",
    corrected: (pairs) => `고쳐 검색한 단어: ${pairs}`,
    closest: "가장 가까운 구절 (질문에 대한 답이 아닐 수 있습니다)",
    noPassages: "필터에 맞는 구절이 없습니다.",
    emptyQuestion: "먼저 질문을 입력하세요.",
    badDates: "시작일이 종료일보다 늦습니다.",
    error: "오류",
    unreachable: "서버에 연결할 수 없습니다. 서버가 실행 중인지 확인한 뒤 다시 시도하세요.",
    confidence: "신뢰도",
    noDate: "날짜 없음",
    answerSpan: "답",
    openArticle: "새 탭에서 열림",
    articles: (n) => `기사 ${n}건`,
  },
};

const STORAGE_KEY = "newsqa.lang";
const $ = (id) => document.getElementById(id);

let uiLang = initialLanguage();
let lastRender = null; // re-run on a language switch so results are relabelled too

function initialLanguage() {
  let stored = null;
  try {
    stored = window.localStorage.getItem(STORAGE_KEY);
  } catch (_) {
    // storage can be disabled; the browser language decides then
  }
  if (stored === "ko" || stored === "en") return stored;
  return (navigator.language || "").toLowerCase().startsWith("ko") ? "ko" : "en";
}

function t(key, ...args) {
  const value = LABELS[uiLang][key];
  return typeof value === "function" ? value(...args) : value;
}

function applyLabels() {
  document.documentElement.lang = uiLang;
  document.title = t("title");
  for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of document.querySelectorAll("[data-i18n-placeholder]")) {
    el.placeholder = t(el.dataset.i18nPlaceholder);
  }
  const toggle = $("lang-toggle");
  toggle.textContent = t("toggle");
  toggle.setAttribute("aria-label", t("toggleLabel"));
  toggle.lang = uiLang === "ko" ? "en" : "ko";
  for (const option of $("source").options) {
    if (option.dataset.articles) option.textContent = sourceLabel(option);
  }
  if (lastRender) lastRender();
}

function sourceLabel(option) {
  return `${option.value} (${t("articles", Number(option.dataset.articles))})`;
}

async function loadSources() {
  let summary;
  try {
    const response = await fetch("sources", { headers: { accept: "application/json" } });
    if (!response.ok) return;
    summary = await response.json();
  } catch (_) {
    return; // the filters still work without the list: only the source select stays short
  }
  const select = $("source");
  for (const source of summary.sources) {
    const option = document.createElement("option");
    option.value = source.name;
    option.dataset.articles = String(source.articles);
    option.textContent = sourceLabel(option);
    select.append(option);
  }
  const langSelect = $("lang");
  for (const option of langSelect.options) {
    if (option.value) option.disabled = !summary.languages.includes(option.value);
  }
  for (const id of ["from", "to"]) {
    if (summary.published_from) $(id).min = summary.published_from.slice(0, 10);
    if (summary.published_to) $(id).max = summary.published_to.slice(0, 10);
  }
}

function requestBody() {
  const filters = {};
  const source = $("source").value;
  const lang = $("lang").value;
  const from = $("from").value;
  const to = $("to").value;
  if (source) filters.source = source;
  if (lang) filters.lang = lang;
  if (from) filters.published_from = from;
  if (to) filters.published_to = to;
  const body = { question: $("question").value.trim(), filters };
  const topK = $("top-k").value.trim();
  if (topK) body.top_k = Number(topK);
  return body;
}

function showFormError(message) {
  const box = $("form-error");
  box.textContent = message;
  box.hidden = !message;
}

function clearResults() {
  $("status").textContent = "";
  $("notice").replaceChildren();
  $("passages").replaceChildren();
  const heading = $("passages-heading");
  heading.hidden = true;
  heading.textContent = "";
}

function setLoading(loading) {
  $("results").setAttribute("aria-busy", String(loading));
  $("submit").disabled = loading;
  $("results").classList.toggle("loading", loading);
}

async function ask(event) {
  event.preventDefault();
  const body = requestBody();
  if (!body.question) {
    showFormError(t("emptyQuestion"));
    $("question").focus();
    return;
  }
  if (body.filters.published_from && body.filters.published_to &&
      body.filters.published_from > body.filters.published_to) {
    showFormError(t("badDates"));
    return;
  }
  showFormError("");
  lastRender = null;
  clearResults();
  setLoading(true);
  $("status").textContent = t("loading");
  try {
    let response;
    try {
      response = await fetch("ask", {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify(body),
      });
    } catch (_) {
      lastRender = () => renderError(null, { detail: t("unreachable") });
      return;
    }
    let payload = null;
    try {
      payload = await response.json();
    } catch (_) {
      payload = null;
    }
    if (!response.ok || payload === null) {
      lastRender = () => renderError(response.status, payload || { detail: response.statusText });
    } else {
      lastRender = () => renderAnswer(payload);
    }
  } finally {
    setLoading(false);
    if (lastRender) lastRender();
  }
}

function renderError(status, payload) {
  clearResults();
  const box = document.createElement("div");
  box.className = "notice error-notice";
  box.setAttribute("role", "alert");
  const title = document.createElement("strong");
  title.textContent = status === null ? t("error") : `${t("error")} ${status}` +
    (payload.error ? ` (${payload.error})` : "");
  const detail = document.createElement("p");
  detail.textContent = describeDetail(payload.detail);
  box.append(title, detail);
  $("notice").append(box);
}

function describeDetail(detail) {
  if (Array.isArray(detail)) {
    return detail
      .map((item) => (item && typeof item === "object" && "problem" in item
        ? `${item.field}: ${item.problem}` : JSON.stringify(item)))
      .join("; ");
  }
  if (typeof detail === "string") return detail;
  return detail === undefined || detail === null ? "" : JSON.stringify(detail);
}

// A status notice above the passages: its kind ("not-found", "uncertain") names its classes.
function showNotice(kind, titleText, detailText) {
  const box = document.createElement("div");
  box.className = `notice ${kind}`;
  box.setAttribute("role", "status");
  const title = document.createElement("strong");
  title.className = `${kind}-title`;
  title.textContent = titleText;
  const detail = document.createElement("p");
  detail.textContent = detailText;
  box.append(title, detail);
  $("notice").append(box);
}

function renderAnswer(answer) {
  clearResults();
  const passages = answer.passages || [];
  const heading = $("passages-heading");
  const corrections = Object.entries(answer.corrections || {});
  const searchedAs = corrections.length
    ? " · " + t("corrected", corrections.map(([typed, word]) => `${typed} → ${word}`).join(", "))
    : "";
  if (answer.found) {
    $("status").textContent = t("found", passages.length) + searchedAs;
    if (answer.uncertain) showNotice("uncertain", t("uncertain"), t("uncertainDetail"));
  } else {
    $("status").textContent = searchedAs.replace(/^ · /, "");
    showNotice("not-found", t("notFound"), passages.length ? t("notFoundDetail") : t("noPassages"));
    if (passages.length) {
      heading.textContent = t("closest");
      heading.hidden = false;
    }
  }
  const list = $("passages");
  list.classList.toggle("closest", !answer.found);
  for (const passage of passages) list.append(renderPassage(passage));
}

function renderPassage(p) {
  const item = document.createElement("li");
  item.className = "passage";
  if (p.lang) item.lang = p.lang;

  const head = document.createElement("div");
  head.className = "passage-head";
  const number = document.createElement("span");
  number.className = "citation";
  number.textContent = `[${p.citation}]`;
  const title = document.createElement("h3");
  title.className = "passage-title";
  const titleText = p.title || p.article_id;
  if (p.url && /^https?:\/\//i.test(p.url)) {
    const link = document.createElement("a");
    link.href = p.url;
    link.target = "_blank";
    link.rel = "noopener noreferrer";
    link.textContent = titleText;
    const hint = document.createElement("span");
    hint.className = "visually-hidden";
    hint.textContent = ` (${t("openArticle")})`;
    link.append(hint);
    title.append(link);
  } else {
    title.textContent = titleText;
  }
  head.append(number, title);

  const meta = document.createElement("p");
  meta.className = "meta";
  const language = { ko: t("korean"), en: t("english") }[p.lang] || p.lang;
  const parts = [p.source, p.published ? p.published.slice(0, 10) : t("noDate"), language]
    .filter(Boolean);
  meta.textContent = parts.join(" · ");

  const text = document.createElement("p");
  text.className = "passage-text";
  text.append(...highlighted(p));

  item.append(head, meta);
  if (p.answer && p.answer.text) {
    // The span the reader read as the answer; the passage below shows it in context.
    const answer = document.createElement("p");
    answer.className = "answer-span";
    const label = document.createElement("strong");
    label.textContent = `${t("answerSpan")}: `;
    answer.append(label, document.createTextNode(p.answer.text));
    item.append(answer);
  }
  item.append(text);
  return item;
}

// The passage text as nodes, with each highlight (offsets into the article) in a <mark>.
function highlighted(p) {
  const text = p.text || "";
  const spans = (p.highlights || [])
    .map((h) => [Math.max(0, h.start - p.start), Math.min(text.length, h.end - p.start)])
    .filter(([start, end]) => start < end)
    .sort((a, b) => a[0] - b[0]);
  const nodes = [];
  let at = 0;
  for (const [start, end] of spans) {
    const from = Math.max(start, at);
    if (from >= end) continue;
    if (from > at) nodes.push(document.createTextNode(text.slice(at, from)));
    const mark = document.createElement("mark");
    mark.textContent = text.slice(from, end);
    nodes.push(mark);
    at = end;
  }
  if (at < text.length) nodes.push(document.createTextNode(text.slice(at)));
  return nodes;
}

document.addEventListener("DOMContentLoaded", () => {
  applyLabels();
  $("lang-toggle").addEventListener("click", () => {
    uiLang = uiLang === "ko" ? "en" : "ko";
    try {
      window.localStorage.setItem(STORAGE_KEY, uiLang);
    } catch (_) {
      // not remembered, still switched
    }
    applyLabels();
  });
  $("ask-form").addEventListener("submit", ask);
  loadSources();
});
