package dev.subdesk.web;

import dev.subdesk.catalog.Catalog;
import dev.subdesk.subscriptions.PriceChangeAtRenewal;
import dev.subdesk.subscriptions.Subscription;
import dev.subdesk.subscriptions.SubscriptionPriceChange;
import dev.subdesk.subscriptions.SubscriptionPriceChanges;
import dev.subdesk.subscriptions.Subscriptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.security.core.Authentication;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/**
 * The portal's part of a plan's price change: on "My subscriptions", each pending change ("Your price changes from
 * X to Y on D"), and where the customer's consent is required, the Accept button (a CSRF-protected POST recording
 * the consent with channel PORTAL) beside the way to let the subscription end instead.
 */
@Controller
class PortalPriceChangeController {

	private final SubscriptionPriceChanges priceChanges;
	private final Subscriptions subscriptions;
	private final Catalog catalog;

	PortalPriceChangeController(SubscriptionPriceChanges priceChanges, Subscriptions subscriptions, Catalog catalog) {
		this.priceChanges = priceChanges;
		this.subscriptions = subscriptions;
		this.catalog = catalog;
	}

	/**
	 * One pending price change as the portal shows it: {@code from}, the day the new price is first charged (where
	 * consent is missing, the day it ends without it); {@code renewsOn}, the next renewal (where auto-renewal is
	 * turned off, the day it ends);
	 * {@code firstCharge}, what that renewal charges when it is a discount accepted for it, the new price then from
	 * the renewal after (null otherwise).
	 */
	record PriceChangeRow(String subscriptionId, String planName, String oldPrice, String newPrice, String from,
			boolean awaitingConsent, @Nullable String acceptedOn, boolean renewing, String renewsOn,
			@Nullable String firstCharge) {
	}

	/**
	 * What the next renewal of each of these subscriptions that a pending price change reaches will charge
	 * ({@link SubscriptionPriceChanges#atNextRenewal}): the portal's next charge is that amount, as the API's price.
	 */
	Map<String, PriceChangeAtRenewal> atNextRenewal(List<Subscription> all) {
		return priceChanges.atNextRenewal(all);
	}

	/**
	 * The pending price changes of the customer's live subscriptions, for the "My subscriptions" page; {@code next}:
	 * {@link #atNextRenewal} of them.
	 */
	List<PriceChangeRow> rows(List<Subscription> all, Map<String, PriceChangeAtRenewal> next, Locale locale) {
		List<Subscription> live = all.stream().filter(s -> !s.ended()).toList();
		if (live.isEmpty()) {
			return List.of();
		}
		Map<String, SubscriptionPriceChange> pending = priceChanges.pending(live.stream().map(Subscription::id).toList());
		List<PriceChangeRow> rows = new ArrayList<>();
		for (Subscription s : live) {
			SubscriptionPriceChange p = pending.get(s.id());
			if (p != null) {
				// what the next renewal charges, as the renewal will: an accepted discount first where it is kept
				PriceChangeAtRenewal at = next.get(s.id());
				if (at == null && p.renewalAt().isAfter(s.currentPeriodEnd())) {
					// held for the renewal after the next, which keeps an accepted discount: both are told
					at = SubscriptionPriceChanges.outlook(s, p);
				}
				String renewsOn = PageFormats.date(at == null ? p.renewalAt() : at.renewal(), locale);
				String from = at == null ? renewsOn : PageFormats.date(at.newPriceFrom(), locale);
				rows.add(new PriceChangeRow(s.id(), catalog.name(s.planCode(), locale), PageFormats.money(p.oldPrice(), locale),
						PageFormats.money(p.newPrice(), locale), from, p.awaitingConsent(),
						p.consentedAt() == null ? null : PageFormats.date(p.consentedAt(), locale),
						s.autoRenew() && !s.scheduledToEnd(), renewsOn,
						at != null && at.discountFirst() ? PageFormats.money(at.charge(), locale) : null));
			}
		}
		return rows;
	}

	/** The customer accepts the new price: consent recorded with its time and channel PORTAL. */
	@PostMapping("/portal/subscriptions/{id}/price-change/accept")
	String accept(@PathVariable String id, Authentication who, RedirectAttributes redirect) {
		subscriptions.find(id).filter(s -> s.accountId().equals(who.getName())).orElseThrow(WebErrors::notFound);
		priceChanges.consent(id, "PORTAL");
		redirect.addFlashAttribute("notice", "portal.priceChange.accepted");
		return "redirect:/portal";
	}
}
