package dev.subdesk.console;

import dev.subdesk.shared.Page;
import dev.subdesk.shared.SubdeskException;
import dev.subdesk.support.AuditTrail;
import dev.subdesk.webhooks.Delivery;
import dev.subdesk.webhooks.WebhookEndpoint;
import dev.subdesk.webhooks.WebhookEndpoints;
import java.security.Principal;
import java.util.List;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/**
 * The ADMINs' webhooks page: every endpoint with its status, the deliveries that failed for good or are being
 * retried, and a button that sends one of them again now. A retry is audited.
 */
@Controller("consoleWebhooksController")
class WebhooksController {

	/** How many endpoints the page lists, and how many failing deliveries per endpoint. */
	static final int ENDPOINTS = 100;
	static final int FAILING = 20;

	/** One endpoint and its failing deliveries, as the page shows them. */
	record EndpointRow(WebhookEndpoint endpoint, List<Delivery> failing) {
	}

	private final WebhookEndpoints endpoints;
	private final AuditTrail audit;
	private final AgentLog log;

	WebhooksController(WebhookEndpoints endpoints, AuditTrail audit, AgentLog log) {
		this.endpoints = endpoints;
		this.audit = audit;
		this.log = log;
	}

	@GetMapping("/console/webhooks")
	String list(Model model) {
		List<EndpointRow> rows = endpoints.list(Page.Request.first(ENDPOINTS))
			.data()
			.stream()
			.map(e -> new EndpointRow(e, endpoints.failing(e.id(), FAILING)))
			.toList();
		model.addAttribute("rows", rows);
		return "console/webhooks";
	}

	@PostMapping("/console/webhooks/{endpointId}/deliveries/{deliveryId}/retry")
	String retry(@PathVariable String endpointId, @PathVariable String deliveryId, Principal admin,
			RedirectAttributes redirect) {
		try {
			log.inOneTransaction(() -> {
				Delivery delivery = endpoints.retry(endpointId, deliveryId);
				audit.record(admin.getName(), AgentLog.CHANNEL, "WEBHOOK_DELIVERY_RETRIED", deliveryId,
						delivery.eventType() + " " + delivery.eventId() + " to " + endpointId, null, "webhooks");
			});
			redirect.addFlashAttribute("message", "Delivery " + deliveryId + " is being sent again.");
		}
		catch (SubdeskException e) {
			redirect.addFlashAttribute("error", e.getMessage() + ".");
		}
		return "redirect:/console/webhooks";
	}
}
