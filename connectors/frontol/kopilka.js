// Копилка — программа лояльности для Frontol 6 (ATOL). Скрипт для администратора Frontol.
//
// Что делает:
//   • карта (или телефон) клиента введены → показывает баланс                (GET  /frontol/v1/balance)
//   • кассир переходит к оплате          → скидка уровня ценой позиции и оплата бонусами скидкой
//                                           маркетинговой акции «Оплата бонусами» (POST /frontol/v1/calculate)
//   • документ продажи закрыт            → запись чека, ровно один раз         (POST /frontol/v1/commit)
//   • документ возврата закрыт           → возврат по документу-основанию      (POST /frontol/v1/refund)
// Протокол: connectors/frontol/HTTP-API.md. Суммы — строки в рублях ("425.90"), количество — "0.345".
//
// Деньги. Скидка уровня меняет цену позиции (setSpecialPrice), оплата бонусами — отдельная скидка
// на документ от маркетинговой акции «Оплата бонусами», значение которой берётся из функции
// kopilkaBonusDiscount() этого скрипта. При закрытии Копилке уходят суммы позиций ДО оплаты
// бонусами и отдельно — сколько бонусов касса списала (по скидке акции в документе). Копилка
// записывает чек как его посчитала касса (режим «цены кассы»): не применяет скидку второй раз
// и не урезает оплату бонусами по лимиту. Так 250 ₽, оплаченные 125 бонусами, записываются как
// 250 ₽ (125 бонусами + 125 ₽), а 237,50 ₽ со скидкой 5 % — как 237,50 ₽ с начислением 23 бонусов.
//
// Откуда имена объектов Frontol. Документации ATOL по скриптам в открытом доступе мы не нашли;
// имена взяты из опубликованных рабочих скриптов Frontol 6 (connectors/frontol/PROTOCOL.md):
//   • скрипт системы лояльности Bonica (индекс кода, файл 7016881023): card.index/count/value,
//     position.setSpecialPrice(цена, 1), discountDoc.marketingAction.name == "Оплата бонусами",
//     функция-значение скидки акции (DiscountBon), recalculateAllDiscounts(), type.code 1/2;
//   • скрипты JetQR/ Freedom (файлы 53791439500, 54258227477): baseDocument.number у возврата;
//   • скрипт рассрочки (файл 11396707658): frontol.currentDocument.card.count, actions.cancel().
// Всё, в чём мы не уверены, помечено «ПРОВЕРИТЬ». Поведение скрипта проверяется тестами на
// имитации Frontol (connectors/frontol/till.mjs, script.test.ts).

// ── настройки ─────────────────────────────────────────────────────────────────────────────────
var KOPILKA_URL = "https://kopilka.example.ru:8080";   // POS-порт Копилки
var KOPILKA_KEY = "kp_frontol_ВСТАВЬТЕ_КЛЮЧ";          // ключ канала frontol (POST /v1/keys)
var TIMEOUT_MS = 5000;                                  // ждём ответ не дольше
var SALE_TYPE_CODES = [1];      // ПРОВЕРИТЬ: коды видов документа «Продажа» в вашей конфигурации
var RETURN_TYPE_CODES = [2];    // ПРОВЕРИТЬ: коды видов документа «Возврат»
var BONUS_ACTION = "Оплата бонусами";   // имя маркетинговой акции, чья скидка = kopilkaBonusDiscount()
var PAY_WITH_BONUSES = "ask";   // "ask" — спросить кассира (по умолчанию максимум); "max"; "0" — не списывать
var QUEUE_FOLDER = "C:\\ProgramData\\Kopilka\\queue";   // неотправленные документы, по файлу на документ
var RETRY_PAUSE_MS = 60000;     // после неудачной повторной отправки ждём минуту до следующей попытки

// ── события (имена — как в рабочих скриптах Frontol 6, см. выше) ─────────────────────────────────
function init() {
  frontol.addEventListener("openDocument", "afterOpenDocument", false);
  frontol.addEventListener("addCard", "afterAddCard", false);
  frontol.addEventListener("addPayment", "beforeAddPayment", true);       // перед первой оплатой = подытог
  frontol.addEventListener("closeDocument", "afterCloseDocument", false); // после закрытия (чек пробит)
  retryQueue(true);   // Frontol запущен: отправить то, что осталось с прошлого раза
}

function afterOpenDocument() { retryQueue(false); }

function afterAddCard() {
  var who = customerOf(frontol.currentDocument);
  if (who == null) return;
  showBalance(who);
}

// Телефон вместо карты: назначьте эту функцию кнопке или клавише Frontol (ПРОВЕРИТЬ: «Выполнить
// скрипт» в настройке клавиатуры вашей версии). Телефон можно ввести и в поле карты: 11 цифр с 7/8.
function kopilkaPhone() {
  var FD = frontol.currentDocument;
  var text = frontol.actions.inputString("Телефон клиента", "", 18);
  var phone = phoneOf(text);
  if (phone == null) { if (text) say("Не похоже на телефон: " + text); return; }
  FD.userValues.set("kopilka.phone", phone);
  showBalance({ phone: phone });
}

function showBalance(who) {
  var q = who.card ? "card=" + encodeURIComponent(who.card) : "phone=" + encodeURIComponent(who.phone);
  var r = http("GET", "/frontol/v1/balance?" + q, null);
  if (r.ok) say("Клиент: " + (r.customer.name || who.card || who.phone) + "\nУровень: " + r.customer.level +
                "\nБонусов: " + r.customer.balance + " (ещё не активно: " + r.customer.pending + ")");
  else say(r.message);
}

// Подытог: Копилка считает скидку уровня и сколько можно оплатить бонусами (один запрос).
// Скидка становится ценой позиции, оплата бонусами — скидкой акции «Оплата бонусами».
function beforeAddPayment() {
  var FD = frontol.currentDocument;
  if (!isSale(FD) || FD.userValues.get("kopilka.applied") == "1") return;
  var who = customerOf(FD);
  if (who == null) return;
  var body = saleBody(FD, who);
  body.bonusPayment = PAY_WITH_BONUSES == "0" ? "0" : "max";
  var r = http("POST", "/frontol/v1/calculate", body);
  if (!r.ok) { say("Программа лояльности: " + r.message + "\nЧек будет проведён без скидок и бонусов."); return; }
  FD.userValues.set("kopilka.applied", "1");
  applyDiscounts(FD, r.positions);
  var bonus = bonusToPay(r.total.bonusPayment);
  FD.userValues.set("kopilka.bonus", money(bonus));
  if (bonus == 0) return;
  FD.recalculateAllDiscounts();
  if (kopecks(bonusTaken(FD)) == 0) {
    FD.userValues.set("kopilka.bonus", "0.00");
    say("Оплата бонусами не применилась: проверьте маркетинговую акцию «" + BONUS_ACTION + "».");
    return;
  }
  say("Оплачено бонусами: " + bonusTaken(FD) + "\nК оплате: " + money(documentSum(FD)));
}

// Сколько бонусов списать, копейки: не больше предложенного Копилкой (лимит программы и баланс).
function bonusToPay(offered) {
  var most = kopecks(offered);
  if (most <= 0 || PAY_WITH_BONUSES == "0") return 0;
  if (PAY_WITH_BONUSES == "max") return most;
  var asked = kopecksOf(frontol.actions.inputString("Оплатить бонусами (до " + offered + ")", offered, 12));
  return asked == null || asked <= 0 ? 0 : Math.min(asked, most);
}

// Значение скидки акции «Оплата бонусами»: Frontol вызывает эту функцию при пересчёте скидок.
// ПРОВЕРИТЬ: в акции — действие «Скидка суммой на документ», значение — функция скрипта.
function kopilkaBonusDiscount() {
  var FD = frontol.currentDocument;
  if (!isSale(FD)) return 0;
  return parseFloat(FD.userValues.get("kopilka.bonus") || "0");
}

// Скидка уровня: новая цена позиции. Позиции в ответе идут в том же порядке, что в запросе.
function applyDiscounts(FD, answered) {
  var i = 0;
  for (FD.position.index = 1; FD.position.index <= FD.position.count; FD.position.index++) {
    if (FD.position.storno) continue;
    var p = answered[i++];
    if (p && p.discount != "0.00") FD.position.setSpecialPrice(parseFloat(p.discountedPrice), 1);
  }
}

// Документ закрыт, чек пробит. Запрос сначала пишется в файл очереди, потом отправляется:
// при сбое связи или падении Frontol он уйдёт позже (Копилка запишет документ один раз).
function afterCloseDocument() {
  var FD = frontol.currentDocument;
  var req;
  if (isReturn(FD)) req = { path: "/frontol/v1/refund", body: returnBody(FD) };
  else if (isSale(FD)) req = { path: "/frontol/v1/commit", body: commitBody(FD) };
  else return;
  var file = enqueue(req);
  deliver(req, file);
}

// ── документ → запрос ─────────────────────────────────────────────────────────────────────────
// Позиции по суммам, которые видит касса сейчас (totalSum — после скидок Frontol и программы).
function saleBody(FD, who) {
  var positions = [];
  for (FD.position.index = 1; FD.position.index <= FD.position.count; FD.position.index++) {
    var P = FD.position;
    if (P.storno) continue;
    positions.push({ code: String(P.ware.code), name: String(P.ware.name), quantity: String(P.quantity),
                     price: String(P.price), sum: money(kopecks(P.totalSum)) });
  }
  return { card: who && who.card ? who.card : null, phone: who && who.phone ? who.phone : null,
           shop: String(frontol.shopNumber), cashier: String(frontol.currentUser.code), positions: positions };
}

// Запись продажи: суммы позиций ДО оплаты бонусами и отдельно оплата бонусами. totalSum после
// закрытия уже уменьшен на скидку «Оплата бонусами»; её возвращаем позициям пропорционально
// суммам (наибольшие остатки, в копейках) — итог сходится до копейки.
function commitBody(FD) {
  var body = saleBody(FD, customerOf(FD));
  var bonus = kopecks(bonusTaken(FD));
  var sums = [];
  for (var i = 0; i < body.positions.length; i++) sums.push(kopecks(body.positions[i].sum));
  var back = apportion(bonus, sums);
  for (i = 0; i < body.positions.length; i++) body.positions[i].sum = money(sums[i] + back[i]);
  body.document = saleId(frontol.shopNumber, FD.number, FD.dateClose);
  body.dateTime = tillTime(FD.dateClose);
  body.bonusPayment = money(bonus);
  return body;
}

// Возврат на основании: продажа находится по магазину, номеру и времени чека-основания, на какой
// бы кассе магазина её ни пробили. Без основания — возврат уходит на проверку администратору.
function returnBody(FD) {
  var base = FD.baseDocument;
  var hasBase = base && base.number != null && String(base.number) != "";
  var positions = [];
  for (FD.position.index = 1; FD.position.index <= FD.position.count; FD.position.index++) {
    if (FD.position.storno) continue;
    positions.push({ code: String(FD.position.ware.code), quantity: String(Math.abs(FD.position.quantity)) });
  }
  return { document: "ret-" + saleId(frontol.shopNumber, FD.number, FD.dateClose),
           saleDocument: hasBase ? saleId(frontol.shopNumber, base.number, base.dateClose) : "без-основания-" + saleId(frontol.shopNumber, FD.number, FD.dateClose),
           dateTime: tillTime(FD.dateClose), positions: positions };
}

// Id продажи не зависит от кассы: магазин-дата и время закрытия-номер. Два чека с одним номером,
// закрытые в одну секунду на разных кассах магазина, Копилка не склеит: второй уйдёт на проверку.
function saleId(shop, number, closed) {
  return shop + "-" + tillTime(closed).replace(/[- :]/g, "") + "-" + number;
}

// Скидка акции «Оплата бонусами» в документе — столько бонусов касса действительно списала.
function bonusTaken(FD) {
  var k = 0;
  var D = FD.discountDoc;
  for (D.index = 1; D.index <= D.count; D.index++) {
    if (D.marketingAction && D.marketingAction.name == BONUS_ACTION) k += kopecks(D.value);
  }
  return money(k);
}

function documentSum(FD) {
  var k = 0;
  for (FD.position.index = 1; FD.position.index <= FD.position.count; FD.position.index++) {
    if (!FD.position.storno) k += kopecks(FD.position.totalSum);
  }
  return k;
}

// Клиент документа: телефон, введённый кассиром, или первая карта (номер вида телефона — телефон).
function customerOf(FD) {
  var phone = FD.userValues.get("kopilka.phone");
  if (phone) return { phone: phone };
  var C = FD.card;
  if (!C || C.count == 0) return null;
  C.index = 1;
  var value = String(C.value);
  var asPhone = phoneOf(value);
  return asPhone != null && value.length <= 12 ? { phone: asPhone } : { card: value };
}

function phoneOf(text) {
  var d = String(text || "").replace(/[^0-9]/g, "");
  if (d.length == 10 && d.charAt(0) == "9") return "+7" + d;
  if (d.length == 11 && (d.charAt(0) == "7" || d.charAt(0) == "8")) return "+7" + d.substring(1);
  return null;
}

function isSale(FD) { return inList(FD.type.code, SALE_TYPE_CODES); }
function isReturn(FD) { return inList(FD.type.code, RETURN_TYPE_CODES); }
function inList(v, list) { for (var i = 0; i < list.length; i++) if (v == list[i]) return true; return false; }

// ── деньги: копейки целыми числами ───────────────────────────────────────────────────────────
function kopecks(v) { return Math.round(parseFloat(String(v).replace(",", ".")) * 100); }
function kopecksOf(text) {
  var t = String(text || "").replace(",", ".");
  if (!/^\s*\d+(\.\d{1,2})?\s*$/.test(t)) return null;
  return kopecks(t);
}
function money(k) {
  var neg = k < 0, a = Math.abs(k), r = String(a % 100);
  return (neg ? "-" : "") + Math.floor(a / 100) + "." + (r.length < 2 ? "0" + r : r);
}
// total копеек по долям, пропорционально weights; остаток — позициям с наибольшими остатками.
function apportion(total, weights) {
  var sum = 0, out = [], rest = [], i;
  for (i = 0; i < weights.length; i++) sum += weights[i];
  if (sum == 0 || total == 0) { for (i = 0; i < weights.length; i++) out.push(i == 0 ? total : 0); return out; }
  var given = 0;
  for (i = 0; i < weights.length; i++) {
    var exact = total * weights[i];
    out.push(Math.floor(exact / sum));
    rest.push({ i: i, r: exact % sum });
    given += out[i];
  }
  rest.sort(function (a, b) { return b.r - a.r || a.i - b.i; });
  for (i = 0; given < total; i++, given++) out[rest[i % rest.length].i] += 1;
  return out;
}

// Время чека по часам кассы "ГГГГ-ММ-ДД ЧЧ:ММ:СС". ПРОВЕРИТЬ: dateClose — дата COM (VT_DATE).
function tillTime(d) {
  var t = new Date(d);
  return t.getFullYear() + "-" + two(t.getMonth() + 1) + "-" + two(t.getDate()) + " " +
         two(t.getHours()) + ":" + two(t.getMinutes()) + ":" + two(t.getSeconds());
}

// ── отправка и очередь в файлах ───────────────────────────────────────────────────────────────
// Файл на документ: ГГГГММДДЧЧММСС-документ.json (UTF-16). Отправляются по порядку имён, так что
// продажа уходит раньше своего возврата. Отказ, который не пройдёт и при повторе (неверный запрос),
// переносится в папку failed: администратор видит его, очередь не стоит.
var lastRetryFailed = null;

function deliver(req, file) {
  var r = http("POST", req.path, req.body);
  if (r.ok) { removeFile(file); if (r.message) say(r.message); return true; }
  if (retryable(r)) { say("Нет связи с программой лояльности. Документ отправится позже.\n" + r.message); return false; }
  moveToFailed(file);
  say("Программа лояльности: " + r.message);
  return true;
}

function retryable(r) { return r.code == "NETWORK" || r.code == "STORAGE_UNAVAILABLE" || r.code == "RATE_LIMITED"; }

function retryQueue(force) {
  if (!force && lastRetryFailed != null && new Date().getTime() - lastRetryFailed < RETRY_PAUSE_MS) return;
  var fso = queueFso(), names = [];
  for (var e = new Enumerator(fso.GetFolder(QUEUE_FOLDER).Files); !e.atEnd(); e.moveNext()) names.push(String(e.item().Name));
  names.sort();
  for (var i = 0; i < names.length; i++) {
    var path = QUEUE_FOLDER + "\\" + names[i];
    var req = parseJson(readFile(fso, path));
    if (req == null) { moveToFailed(path); continue; }
    var r = http("POST", req.path, req.body);
    if (r.ok) { removeFile(path); continue; }
    if (retryable(r)) { lastRetryFailed = new Date().getTime(); return; }
    moveToFailed(path);
  }
  lastRetryFailed = null;
}

function enqueue(req) {
  var fso = queueFso();
  var name = req.body.dateTime.replace(/[- :]/g, "") + "-" + req.body.document.replace(/[^0-9A-Za-zА-Яа-я_.-]/g, "_") + ".json";
  var f = fso.CreateTextFile(QUEUE_FOLDER + "\\" + name, true, true);
  f.Write(toJson(req));
  f.Close();
  return QUEUE_FOLDER + "\\" + name;
}

function queueFso() {
  var fso = new ActiveXObject("Scripting.FileSystemObject");
  makeFolders(fso, QUEUE_FOLDER + "\\failed");
  return fso;
}
function makeFolders(fso, path) {
  if (fso.FolderExists(path)) return;
  makeFolders(fso, fso.GetParentFolderName(path));
  fso.CreateFolder(path);
}
function readFile(fso, path) { var t = fso.OpenTextFile(path, 1, false, -1); var s = t.AtEndOfStream ? "" : t.ReadAll(); t.Close(); return s; }
function removeFile(path) { var fso = queueFso(); if (fso.FileExists(path)) fso.DeleteFile(path); }
function moveToFailed(path) {
  var fso = queueFso();
  if (!fso.FileExists(path)) return;
  var to = QUEUE_FOLDER + "\\failed\\" + fso.GetFileName(path);
  if (fso.FileExists(to)) fso.DeleteFile(to);
  fso.MoveFile(path, to);
}

// Синхронный HTTP через WinHttp (таймауты). Ответ Копилки всегда JSON с полем ok.
function http(method, path, body) {
  try {
    var x = new ActiveXObject("WinHttp.WinHttpRequest.5.1");
    x.SetTimeouts(TIMEOUT_MS, TIMEOUT_MS, TIMEOUT_MS, TIMEOUT_MS);
    x.Open(method, KOPILKA_URL + path, false);
    x.SetRequestHeader("Authorization", "Bearer " + KOPILKA_KEY);
    // ПРОВЕРИТЬ: с charset=utf-8 WinHttp отправляет строку в UTF-8 (русские названия товаров).
    x.SetRequestHeader("Content-Type", "application/json; charset=utf-8");
    x.Send(body == null ? "" : toJson(body));
    var r = parseJson(x.ResponseText);
    return r && typeof r.ok == "boolean" ? r : { ok: false, code: "NETWORK", message: "Неожиданный ответ сервера (" + x.Status + ")" };
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
// Ответы приходят только от вашего сервера Копилки по ключу (и из своей очереди); eval — обычный способ в JScript 5.x.
function parseJson(text) { try { return eval("(" + text + ")"); } catch (e) { return null; } }

function two(n) { return n < 10 ? "0" + n : String(n); }
function say(text) { frontol.actions.showMessage(text); }
