/* Draws the console's report charts with Apache ECharts (vendor/echarts/echarts.min.js).
   Each chart's data comes from a <script type="application/json"> block named by the
   element's data-chart attribute: the page has no inline script (the CSP forbids it).
   Money arrives in minor units ("minor") and is shown in yuan with two decimals. */
(function () {
  "use strict";

  function draw(element) {
    var source = document.getElementById(element.getAttribute("data-chart"));
    if (!source || typeof echarts === "undefined") { return; }
    var data = JSON.parse(source.textContent);
    var lang = data.locale === "zh_CN" ? "zh-CN" : "en";
    var money = new Intl.NumberFormat(lang, { style: "currency", currency: data.currency,
                                              minimumFractionDigits: 2 });
    var count = new Intl.NumberFormat(lang);
    var series = data.series.map(function (s) {
      var values = s.minor ? s.minor.map(function (v) { return v / 100; }) : s.values;
      return { name: s.name, type: s.type, yAxisIndex: s.axis || 0, data: values,
               smooth: false, isMoney: !!s.minor };
    });
    var chart = echarts.init(element, null, { renderer: "canvas", locale: lang === "zh-CN" ? "ZH" : "EN" });
    chart.setOption({
      animation: false,
      tooltip: {
        trigger: "axis",
        valueFormatter: function (value) { return count.format(value); }
      },
      legend: { top: 0 },
      grid: { left: 8, right: 8, bottom: 8, top: 36, containLabel: true },
      xAxis: { type: "category", data: data.labels },
      yAxis: [
        { type: "value", axisLabel: { formatter: function (v) { return money.format(v); } } },
        { type: "value", minInterval: 1, axisLabel: { formatter: function (v) { return count.format(v); } } }
      ],
      series: series.map(function (s) {
        return { name: s.name, type: s.type, yAxisIndex: s.yAxisIndex, data: s.data,
                 smooth: s.smooth,
                 tooltip: { valueFormatter: function (v) {
                   return s.isMoney ? money.format(v) : count.format(v); } } };
      })
    });
    element.setAttribute("data-drawn", "true");
    window.addEventListener("resize", function () { chart.resize(); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-chart]").forEach(draw);
  });
})();
