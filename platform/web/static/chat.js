/* Live chat (在线客服): one WebSocket per page, for the shopper and for staff alike.
   The page holds [data-chat] with data-token and data-me ("customer" or "staff"); new
   messages arrive as {"messages": [...]} and are appended once each (by id). */
(function () {
  "use strict";
  function start(box) {
    var list = box.querySelector("[data-chat-messages]");
    var form = box.querySelector("[data-chat-form]");
    var input = form.querySelector("textarea, input[name=body]");
    var me = box.getAttribute("data-me");
    var seen = {};
    list.querySelectorAll("[data-chat-message]").forEach(function (el) {
      seen[el.getAttribute("data-chat-message")] = true;
    });
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + location.host + "/chat/ws?t=" +
                               encodeURIComponent(box.getAttribute("data-token")));
    function add(message) {
      if (seen[message.id]) return;
      seen[message.id] = true;
      var item = document.createElement("li");
      item.className = "chat-message" + (message.author === me ? " is-mine" : "");
      item.setAttribute("data-chat-message", message.id);
      var text = document.createElement("p");
      text.textContent = message.body;
      item.appendChild(text);
      list.appendChild(item);
      list.scrollTop = list.scrollHeight;
      var empty = box.querySelector("[data-chat-empty]");
      if (empty) empty.remove();
    }
    socket.addEventListener("open", function () { box.setAttribute("data-connected", "1"); });
    socket.addEventListener("message", function (event) {
      var data = JSON.parse(event.data);
      (data.messages || []).forEach(add);
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var body = input.value.trim();
      if (!body || socket.readyState !== WebSocket.OPEN) return;
      socket.send(JSON.stringify({ body: body }));
      input.value = "";
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-chat]").forEach(start);
  });
})();
