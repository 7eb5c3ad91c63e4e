// Opportunity pages: drag to move on the pipeline board, the portfolio chart, the print button.
// Data travels in data-* attributes and json_script elements (the CSP forbids inline script).
(function () {
  "use strict";

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // --- pipeline board: HTML5 drag and drop posting to the advance endpoint -------------------
  function showRefusal(card, text) {
    var box = card.querySelector(".opp-card-refusal");
    if (box) { box.textContent = text; box.hidden = !text; }
  }

  function moveCard(card, column) {
    var list = column.querySelector(".opp-cards");
    var empty = list.querySelector(".opp-cards-empty");
    if (empty) { empty.remove(); }
    list.insertBefore(card, list.firstChild);
    card.setAttribute("data-stage", column.getAttribute("data-stage"));
    var fallback = card.querySelector(".opp-card-advance");
    if (fallback) { fallback.remove(); }
    card.focus();
  }

  function advance(card, column) {
    var body = new URLSearchParams();
    body.set("to_stage", column.getAttribute("data-stage"));
    body.set("lock_version", card.getAttribute("data-lock-version") || "");
    card.classList.add("opp-card-busy");
    showRefusal(card, "");
    fetch(card.getAttribute("data-advance-url"), {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Accept": "application/json",
        "Content-Type": "application/x-www-form-urlencoded",
        "X-CSRFToken": csrfToken()
      },
      body: body.toString()
    }).then(function (response) {
      return response.json().catch(function () { return { ok: false, message: response.statusText }; });
    }).then(function (data) {
      card.classList.remove("opp-card-busy");
      if (data.ok) {
        card.setAttribute("data-lock-version", data.lock_version);
        var prob = card.querySelector(".opp-card-probability");
        if (prob) { prob.textContent = data.probability + "%"; }
        moveCard(card, column);
        var status = document.getElementById("opp-board-status");
        if (status) { status.textContent = data.message; }
      } else {
        showRefusal(card, data.message || "");
      }
    }).catch(function () {
      card.classList.remove("opp-card-busy");
      showRefusal(card, document.getElementById("opp-board").getAttribute("data-network-error") || "");
    });
  }

  function initBoard() {
    var board = document.getElementById("opp-board");
    if (!board) { return; }
    var dragged = null;
    board.addEventListener("dragstart", function (ev) {
      var card = ev.target.closest && ev.target.closest(".opp-card[draggable=true]");
      if (!card) { return; }
      dragged = card;
      card.classList.add("opp-card-dragging");
      ev.dataTransfer.effectAllowed = "move";
      ev.dataTransfer.setData("text/plain", card.getAttribute("data-id"));
    });
    board.addEventListener("dragend", function () {
      if (dragged) { dragged.classList.remove("opp-card-dragging"); }
      board.querySelectorAll(".opp-drop-target").forEach(function (c) { c.classList.remove("opp-drop-target"); });
      dragged = null;
    });
    board.querySelectorAll(".opp-column").forEach(function (column) {
      column.addEventListener("dragover", function (ev) {
        if (!dragged) { return; }
        ev.preventDefault();
        ev.dataTransfer.dropEffect = "move";
        column.classList.add("opp-drop-target");
      });
      column.addEventListener("dragleave", function () { column.classList.remove("opp-drop-target"); });
      column.addEventListener("drop", function (ev) {
        ev.preventDefault();
        column.classList.remove("opp-drop-target");
        var card = dragged;
        if (!card || card.getAttribute("data-stage") === column.getAttribute("data-stage")) { return; }
        advance(card, column);
      });
    });
  }

  // --- portfolio: attractiveness against success probability --------------------------------
  function initPortfolio() {
    var el = document.querySelector("[data-portfolio]");
    if (!el || !window.echarts) { return; }
    var source = document.getElementById(el.getAttribute("data-portfolio"));
    if (!source) { return; }
    var data = JSON.parse(source.textContent || "{}");
    el.style.height = "480px";
    var colours = { A: "#b71c1c", B: "#ef6c00", C: "#1565c0", "": "#757575" };
    var chart = window.echarts.init(el);
    chart.setOption({
      tooltip: {
        formatter: function (p) {
          var d = p.data;
          return String(d.name).replace(/[&<>"']/g, function (c) { return "&#" + c.charCodeAt(0) + ";"; }) +
            "<br>" + data.labels.x + ": " + d.value[0] + "<br>" + data.labels.y + ": " + d.value[1] +
            (d.grade ? "<br>" + data.labels.grade + ": " + d.grade : "");
        }
      },
      grid: { left: 60, right: 30, top: 30, bottom: 60 },
      xAxis: { name: data.labels.x, nameLocation: "middle", nameGap: 35, min: 0, max: 100 },
      yAxis: { name: data.labels.y, nameLocation: "middle", nameGap: 40, min: 0, max: 100 },
      series: [{
        type: "scatter",
        symbolSize: 14,
        data: (data.points || []).map(function (p) {
          return { name: p.name, value: p.value, url: p.url, grade: p.grade,
                   itemStyle: { color: colours[p.grade] || colours[""] } };
        }),
        markLine: { silent: true, symbol: "none", lineStyle: { type: "dashed", color: "#9e9e9e" },
                    data: [{ xAxis: 50 }, { yAxis: 50 }] }
      }]
    });
    chart.on("click", function (p) { if (p.data && p.data.url) { window.location.href = p.data.url; } });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function initPrint() {
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    initBoard();
    initPortfolio();
    initPrint();
  });
})();
