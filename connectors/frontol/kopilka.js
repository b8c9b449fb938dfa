// Копилка — программа лояльности для Frontol (ATOL). Пример скрипта для администратора Frontol.
//
// Что делает:
//   • карта клиента введена          → показывает баланс бонусов            (GET  /frontol/v1/balance)
//   • кассир переходит к оплате      → расчёт: скидки по позициям и оплата бонусами (POST /frontol/v1/calculate)
//   • документ продажи закрыт        → запись чека, ровно один раз          (POST /frontol/v1/commit)
//   • документ возврата закрыт       → возврат по чеку продажи              (POST /frontol/v1/refund)
// Протокол: connectors/frontol/HTTP-API.md. Суммы — строки в рублях ("425.90"), количество — "0.345".
//
// ВНИМАНИЕ. Документации ATOL по скриптам у нас не было. Имена событий и объектов ниже взяты из
// скриптов Frontol, опубликованных третьими лицами (connectors/frontol/PROTOCOL.md §1–2):
// frontol.addEventListener, frontol.currentDocument, position.index/count, ware.code, cardValues,
// userValues, actions.showMessage/inputString. Всё, в чём мы не уверены, помечено «ПРОВЕРИТЬ» —
// сверьте с «Руководством по программированию» вашей версии Frontol перед установкой.

// ── настройки ─────────────────────────────────────────────────────────────────────────────────
var KOPILKA_URL = "https://kopilka.example.ru:8080";   // POS-порт Копилки
var KOPILKA_KEY = "kp_frontol_ВСТАВЬТЕ_КЛЮЧ";          // ключ канала frontol (POST /v1/keys)
var TIMEOUT_MS = 5000;                                  // ждём ответ не дольше
var RETURN_TYPE_CODES = [2];    // ПРОВЕРИТЬ: коды видов документа «Возврат» в вашей конфигурации
var PAY_WITH_BONUSES = "max";   // "max" — списать сколько можно; "0" — не списывать; или спросить кассира

// ── события (ПРОВЕРИТЬ имена событий для своей версии Frontol) ─────────────────────────────────
function init() {
  frontol.addEventListener("addCard", "afterAddCard", false);             // после ввода карты
  frontol.addEventListener("addPayment", "beforeAddPayment", true);       // перед первой оплатой = подытог
  frontol.addEventListener("closeDocument", "afterCloseDocument", false); // после закрытия (чек пробит)
  frontol.addEventListener("openDocument", "afterOpenDocument", false);   // повтор неотправленного
}

function afterAddCard() {
  var card = cardOf(frontol.currentDocument);
  if (card == "") return;
  var r = http("GET", "/frontol/v1/balance?card=" + encodeURIComponent(card), null);
  if (r.ok) say("Клиент: " + (r.customer.name || card) + "\nУровень: " + r.customer.level +
                "\nБонусов: " + r.customer.balance + " (ещё не активно: " + r.customer.pending + ")");
  else say(r.message);
}

// Подытог: Копилка считает скидки и оплату бонусами; применяем их к позициям как новую цену.
function beforeAddPayment() {
  var FD = frontol.currentDocument;
  if (isReturn(FD) || FD.userValues.get("kopilka.applied") == "1") return;
  var body = buildDocument(FD);
  body.bonusPayment = cardOf(FD) == "" ? "0" : PAY_WITH_BONUSES;
  var r = http("POST", "/frontol/v1/calculate", body);
  if (!r.ok) { say("Программа лояльности: " + r.message + "\nЧек будет проведён без скидок и бонусов."); return; }
  var i = 0;
  for (FD.position.index = 1; FD.position.index <= FD.position.count; FD.position.index++) {
    if (FD.position.storno) continue;           // ПРОВЕРИТЬ: признак сторнированной позиции
    var p = r.positions[i++];
    if (p.discount != "0.00" || p.bonusPayment != "0.00") applyPrice(FD.position, p.price);
  }
  FD.userValues.set("kopilka.applied", "1");
  FD.userValues.set("kopilka.bonusPayment", r.total.bonusPayment);
  if (r.total.bonusPayment != "0.00") say("Оплачено бонусами: " + r.total.bonusPayment + "\nК оплате: " + r.total.toPay);
}

// Документ закрыт: продажа записывается, возврат пересчитывает бонусы. Чек уже пробит, поэтому
// при сбое связи запрос кладётся в очередь и повторяется позже (Копилка запишет его один раз).
function afterCloseDocument() {
  var FD = frontol.currentDocument;
  var req;
  if (isReturn(FD)) {
    // ПРОВЕРИТЬ: как Frontol хранит ссылку на чек продажи у возврата (здесь спрашиваем кассира).
    var sale = frontol.actions.inputString("Номер чека продажи (смена-номер)", "", 20);
    if (sale == "") return;
    req = { path: "/frontol/v1/refund", body: {
      document: documentId(FD), saleDocument: frontol.shopNumber + "-" + frontol.codeWorkplace + "-" + sale,
      dateTime: dateTimeOf(FD), positions: returnedPositions(FD) } };
  } else {
    var body = buildDocument(FD);
    body.bonusPayment = FD.userValues.get("kopilka.bonusPayment") || "0";
    req = { path: "/frontol/v1/commit", body: body };
  }
  send(req);
}

function afterOpenDocument() { retryQueue(); }

// ── документ → запрос ─────────────────────────────────────────────────────────────────────────
function buildDocument(FD) {
  var positions = [];
  for (FD.position.index = 1; FD.position.index <= FD.position.count; FD.position.index++) {
    var P = FD.position;
    if (P.storno) continue;
    positions.push({
      n: typeof P.number == "number" ? P.number : undefined,   // ПРОВЕРИТЬ: номер позиции
      code: String(P.ware.code),      // ПРОВЕРИТЬ: код товара
      name: String(P.ware.text),
      quantity: String(P.quantity),   // 0.345 → "0.345": сервер разбирает строку точно
      price: String(P.price),         // ПРОВЕРИТЬ: цена единицы, рубли
      sum: String(P.totalSum)         // сумма позиции после скидок Frontol, рубли
    });
  }
  var card = cardOf(FD);
  return {
    document: documentId(FD), dateTime: dateTimeOf(FD), card: card == "" ? null : card,
    shop: String(frontol.shopNumber), cashier: String(frontol.currentUser.code), positions: positions
  };
}

function returnedPositions(FD) {
  var out = [];
  for (FD.position.index = 1; FD.position.index <= FD.position.count; FD.position.index++) {
    if (FD.position.storno) continue;
    out.push({ code: String(FD.position.ware.code), quantity: String(FD.position.quantity) });
  }
  return out;
}

// Один и тот же документ = один и тот же id при любом повторе: магазин-место-смена-номер.
function documentId(FD) {
  return frontol.shopNumber + "-" + frontol.codeWorkplace + "-" + frontol.sessionNumber + "-" + FD.number;
}

// Время продажи по часам кассы, "ГГГГ-ММ-ДД ЧЧ:ММ:СС"; запоминается, чтобы повтор был тем же запросом.
function dateTimeOf(FD) {
  var t = FD.userValues.get("kopilka.dateTime");
  if (t) return t;
  var d = new Date();
  t = d.getFullYear() + "-" + two(d.getMonth() + 1) + "-" + two(d.getDate()) + " " +
      two(d.getHours()) + ":" + two(d.getMinutes()) + ":" + two(d.getSeconds());
  FD.userValues.set("kopilka.dateTime", t);
  return t;
}

function cardOf(FD) { return String(FD.cardValues || "").split(";")[0]; }   // ПРОВЕРИТЬ формат cardValues

function isReturn(FD) {
  for (var i = 0; i < RETURN_TYPE_CODES.length; i++) if (FD.type.code == RETURN_TYPE_CODES[i]) return true;
  return false;
}

// ПРОВЕРИТЬ: способ изменить цену позиции. В найденных скриптах — присваивание setPrice.
// Если ваша версия даёт скидку суммой на позицию, используйте её: сумма = p.sum из ответа.
function applyPrice(position, price) { position.setPrice = parseFloat(price); }

// ── отправка и очередь ────────────────────────────────────────────────────────────────────────
function send(req) {
  var r = http("POST", req.path, req.body);
  if (r.ok) { if (r.message) say(r.message); return; }
  if (r.code == "NETWORK" || r.code == "STORAGE_UNAVAILABLE" || r.code == "RATE_LIMITED") queue(req);
  else say("Программа лояльности: " + r.message);
}

function queue(req) {
  var q = frontol.userValues.get("kopilka.queue") || "";
  frontol.userValues.set("kopilka.queue", q + toJson(req) + "\n");
}

function retryQueue() {
  var q = frontol.userValues.get("kopilka.queue") || "";
  if (q == "") return;
  frontol.userValues.set("kopilka.queue", "");
  var lines = q.split("\n");
  for (var i = 0; i < lines.length; i++) if (lines[i] != "") send(parseJson(lines[i]));
}

// Синхронный HTTP. WinHttp умеет таймауты; MSXML2.XMLHTTP — запасной вариант без них.
function http(method, path, body) {
  try {
    var x;
    try { x = new ActiveXObject("WinHttp.WinHttpRequest.5.1"); x.SetTimeouts(TIMEOUT_MS, TIMEOUT_MS, TIMEOUT_MS, TIMEOUT_MS); }
    catch (e) { x = new ActiveXObject("MSXML2.XMLHTTP"); }
    x.open(method, KOPILKA_URL + path, false);
    x.setRequestHeader("Authorization", "Bearer " + KOPILKA_KEY);
    x.setRequestHeader("Content-Type", "application/json; charset=utf-8");
    // ПРОВЕРИТЬ: русские названия должны уйти в UTF-8 (MSXML так и делает; WinHttp — при charset=utf-8).
    x.send(body == null ? "" : toJson(body));
    // Ответ всегда JSON с полем ok — и при 200, и при 4xx/5xx: смотрим ok, а не статус.
    var r = parseJson(x.responseText);
    return r && typeof r.ok == "boolean" ? r : { ok: false, code: "NETWORK", message: "Неожиданный ответ сервера (" + x.status + ")" };
  } catch (e) {
    return { ok: false, code: "NETWORK", message: "Нет связи с программой лояльности: " + (e.message || e.description) };
  }
}

// ── JSON для JScript 5.x (в нём нет объекта JSON) ─────────────────────────────────────────────
function toJson(v) {
  if (v == null) return "null";
  if (typeof v == "number" || typeof v == "boolean") return String(v);
  if (typeof v == "string") return '"' + v.replace(/[\\"]/g, "\\$&").replace(/\n/g, "\\n").replace(/\r/g, "\\r").replace(/\t/g, "\\t") + '"';
  var out = [], k;
  if (v instanceof Array) { for (k = 0; k < v.length; k++) out.push(toJson(v[k])); return "[" + out.join(",") + "]"; }
  for (k in v) if (v.hasOwnProperty(k) && v[k] !== undefined) out.push(toJson(k) + ":" + toJson(v[k]));
  return "{" + out.join(",") + "}";
}
// Ответы приходят только от вашего сервера Копилки по ключу; eval — обычный способ в JScript 5.x.
function parseJson(text) { try { return eval("(" + text + ")"); } catch (e) { return null; } }

function two(n) { return n < 10 ? "0" + n : String(n); }
function say(text) { frontol.actions.showMessage(text); }
