// Shared helpers for the studio's pages: JSON fetch with the server's {"error"} shape, colours, nav.
"use strict";

async function api(url, options = {}) {
  const response = await fetch(url, options);
  let body = null;
  try { body = await response.json(); } catch (e) { body = null; }
  if (!response.ok) {
    throw new Error((body && body.error) || `${response.status} ${response.statusText}`);
  }
  return body;
}

function showError(element, error) {
  element.textContent = error ? (error.message || String(error)) : "";
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child);
  return node;
}

// The Playground's diverging scale: -1 orange, 0 near-white, +1 blue.
const ORANGE = [245, 147, 34], WHITE = [232, 234, 235], BLUE = [8, 119, 189];
function diverging(t) {  // t in [-1, 1]
  const [a, b, u] = t < 0 ? [WHITE, ORANGE, -t] : [WHITE, BLUE, t];
  return [0, 1, 2].map(i => Math.round(a[i] + (b[i] - a[i]) * Math.min(1, u)));
}

// A perceptual sequential scale (viridis, 5 stops) for activation maps, t in [0, 1].
const VIRIDIS = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];
function viridis(t) {
  const x = Math.max(0, Math.min(1, t)) * (VIRIDIS.length - 1), i = Math.min(VIRIDIS.length - 2, Math.floor(x)), f = x - i;
  return [0, 1, 2].map(k => Math.round(VIRIDIS[i][k] + (VIRIDIS[i + 1][k] - VIRIDIS[i][k]) * f));
}

function bytesOf(base64) {
  const text = atob(base64), out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

// Paint size x size values (bytes 0..255 meaning -1..1) onto a canvas with the diverging scale.
function paintDiverging(canvas, bytes, size) {
  canvas.width = size; canvas.height = size;
  const ctx = canvas.getContext("2d"), image = ctx.createImageData(size, size);
  for (let i = 0; i < size * size; i++) {
    const [r, g, b] = diverging(bytes[i] / 127.5 - 1);
    image.data.set([r, g, b, 255], i * 4);
  }
  ctx.putImageData(image, 0, 0);
}

function markNav(page) {
  for (const link of document.querySelectorAll("nav.top a")) {
    if (link.getAttribute("href") === `/${page}`) link.classList.add("here");
  }
}

function fmt(value, digits = 3) {
  if (value === null || value === undefined) return "–";
  if (typeof value !== "number") return String(value);
  return Math.abs(value) >= 1000 ? value.toLocaleString(undefined, {maximumFractionDigits: 0}) : value.toFixed(digits);
}
