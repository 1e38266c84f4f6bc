/* The reviews report's chart (Apache ECharts, loaded by the page): reviews per product as
   bars, the average rating (1–5) as a line on its own axis. The data comes from the
   <script type="application/json"> block named by data-review-chart (no inline script). */
(function () {
  "use strict";

  function draw(element) {
    var source = document.getElementById(element.getAttribute("data-review-chart"));
    if (!source || typeof echarts === "undefined") { return; }
    var data = JSON.parse(source.textContent);
    var zh = data.locale === "zh_CN";
    var chart = echarts.init(element, null, { renderer: "canvas", locale: zh ? "ZH" : "EN" });
    chart.setOption({
      animation: false,
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 8, right: 8, bottom: 8, top: 36, containLabel: true },
      xAxis: { type: "category", data: data.labels,
               axisLabel: { interval: 0, rotate: data.labels.length > 5 ? 30 : 0,
                            width: 90, overflow: "truncate" } },
      yAxis: [{ type: "value", minInterval: 1 },
              { type: "value", min: 0, max: 5, interval: 1 }],
      series: [
        { name: data.count_name, type: "bar", data: data.counts },
        { name: data.average_name, type: "line", yAxisIndex: 1, data: data.averages }
      ]
    });
    element.setAttribute("data-drawn", "true");
    window.addEventListener("resize", function () { chart.resize(); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-review-chart]").forEach(draw);
  });
})();
