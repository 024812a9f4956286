package dev.subdesk.web;

import dev.subdesk.cancellation.Cancellation;
import dev.subdesk.cancellation.Cancellations;
import dev.subdesk.cancellation.Receipts;
import dev.subdesk.catalog.Catalog;
import dev.subdesk.subscriptions.Subscriptions;
import jakarta.servlet.http.HttpServletResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpHeaders;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The public receipt page that every cancellation confirmation links to, {@code /receipts/{number}?t=<token>}:
 * no session and no API key, the token is the key. HTML with the receipt and whether its signature is valid,
 * or the signed receipt itself when the request's {@code Accept} prefers {@code application/json}. A wrong or
 * missing token is the same {@code 404} as an unknown number.
 */
@Controller
class ReceiptPageController {

	private final Receipts receipts;
	private final Cancellations cancellations;
	private final Subscriptions subscriptions;
	private final Catalog catalog;
	private final JsonMapper json;

	ReceiptPageController(Receipts receipts, Cancellations cancellations, Subscriptions subscriptions, Catalog catalog,
			JsonMapper json) {
		this.receipts = receipts;
		this.cancellations = cancellations;
		this.subscriptions = subscriptions;
		this.catalog = catalog;
		this.json = json;
	}

	@GetMapping("/receipts/{number}")
	@Nullable
	String receipt(@PathVariable String number, @RequestParam(name = "t", required = false) @Nullable String token,
			@RequestHeader(name = HttpHeaders.ACCEPT, required = false) @Nullable String accept, Locale locale,
			Model model, HttpServletResponse response) throws java.io.IOException {
		JsonNode receipt = (token == null ? java.util.Optional.<JsonNode>empty() : receipts.findForViewer(number, token))
			.orElseThrow(WebErrors::notFound);
		// The token is in the address: it must not leak to other sites, nor stay in a shared cache.
		response.setHeader("Referrer-Policy", "no-referrer");
		response.setHeader(HttpHeaders.CACHE_CONTROL, "no-store");
		response.setHeader(HttpHeaders.VARY, HttpHeaders.ACCEPT);
		if (prefersJson(accept)) {
			response.setContentType(MediaType.APPLICATION_JSON_VALUE);
			response.getOutputStream().write(json.writeValueAsString(receipt).getBytes(StandardCharsets.UTF_8));
			return null;
		}
		Cancellation c = cancellations.find(number).orElseThrow(WebErrors::notFound);
		model.addAttribute("publicPage", true);
		return describe(c, receipt, locale, model);
	}

	/**
	 * The model of the receipt page ({@code web/receipt}), the same for the public page and the portal's: the
	 * cancellation, the signed receipt and whether its signature verifies (when the key that signed it was revoked,
	 * since when, and the cancellation's status now), and what ended.
	 */
	String describe(Cancellation c, JsonNode receipt, Locale locale, Model model) {
		model.addAttribute("c", c);
		model.addAttribute("requestedAt", PageFormats.dateTime(c.requestedAt(), locale));
		model.addAttribute("effectiveAt", PageFormats.dateTime(c.effectiveAt(), locale));
		model.addAttribute("refund", PageFormats.money(c.refundTotal(), locale));
		model.addAttribute("issuedAt", PageFormats.dateTime(Instant.parse(receipt.path("issuedAt").asString()), locale));
		model.addAttribute("keyId", receipt.path("keyId").asString());
		model.addAttribute("signature", receipt.path("signature").asString());
		model.addAttribute("receiptJson", json.writeValueAsString(receipt));
		model.addAttribute("valid", receipts.verify(receipt));
		// a key revoked as leaked: the signature proves nothing any more, so the page says so and what stands now
		model.addAttribute("withdrawnAt", receipts.revokedAt(receipt.path("keyId").asString())
			.map(at -> PageFormats.dateTime(at, locale))
			.orElse(null));
		model.addAttribute("currentStatus", "cancellation.status." + c.status().name());
		// the receipt stays as issued; a cancellation withdrawn or replaced since is no longer what it says
		model.addAttribute("inForce", c.inForce());
		model.addAttribute("ended", c.subscriptions()
			.stream()
			.map(i -> catalog.name(subscriptions.get(i.id()).planCode(), locale))
			.toList());
		return "web/receipt";
	}

	/** Whether {@code application/json} has a higher quality than {@code text/html} in the Accept header. */
	static boolean prefersJson(@Nullable String accept) {
		if (accept == null || accept.isBlank()) {
			return false;
		}
		List<MediaType> types;
		try {
			types = MediaType.parseMediaTypes(accept);
		}
		catch (InvalidMediaTypeException e) {
			return false;
		}
		return quality(types, MediaType.APPLICATION_JSON) > quality(types, MediaType.TEXT_HTML);
	}

	/**
	 * The quality ({@code q}, in thousandths: {@code 0.8} is 800) that the most specific range including
	 * {@code type} gives it; zero when none does.
	 */
	private static int quality(List<MediaType> ranges, MediaType type) {
		int quality = 0;
		int specificity = -1;
		for (MediaType range : ranges) {
			int s = range.isWildcardType() ? 0 : range.isWildcardSubtype() ? 1 : 2;
			if (range.includes(type) && s > specificity) {
				specificity = s;
				quality = thousandths(range.getParameter("q"));
			}
		}
		return quality;
	}

	/** A {@code q} value that {@link MediaType} has already checked (0 to 1), in thousandths. */
	private static int thousandths(@Nullable String q) {
		if (q == null) {
			return 1000;
		}
		int dot = q.indexOf('.');
		String whole = dot < 0 ? q : q.substring(0, dot);
		String decimals = dot < 0 ? "000" : (q.substring(dot + 1) + "000").substring(0, 3);
		try {
			return (whole.isEmpty() ? 0 : Integer.parseInt(whole)) * 1000 + Integer.parseInt(decimals);
		}
		catch (NumberFormatException e) {
			return 0; // another spelling of a number (5e-1): not worth preferring JSON for
		}
	}
}
