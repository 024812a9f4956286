package dev.subdesk.api;

import dev.subdesk.api.CancellationViews.DisputeView;
import dev.subdesk.api.CancellationViews.RefundView;
import dev.subdesk.api.Views.CaseView;
import dev.subdesk.billing.Billing;
import dev.subdesk.shared.SubdeskException;
import dev.subdesk.support.DisputeRequest;
import dev.subdesk.support.Support;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.json.JsonMapper;

/** Refunds and disputes of charges, and support cases. */
@RestController
class ChargesController {

	private final Billing billing;
	private final Support support;
	private final JsonMapper json;

	ChargesController(Billing billing, Support support, JsonMapper json) {
		this.billing = billing;
		this.support = support;
		this.json = json;
	}

	@PostMapping("/api/v1/charges/{id}/refunds")
	ResponseEntity<RefundView> refund(@PathVariable String id, @RequestBody(required = false) @Nullable String raw) {
		billing.charge(id).orElseThrow(() -> SubdeskException.notFound("Charge", id));
		JsonBody body = JsonBody.parse(raw, json);
		Long amount = body.positiveInteger("amount");
		String reason = body.text("reason", true, 1, 500);
		body.validate();
		return ResponseEntity.status(HttpStatus.CREATED).body(RefundView.of(billing.refund(id, amount, reason)));
	}

	@PostMapping("/api/v1/charges/{id}/disputes")
	DisputeView dispute(@PathVariable String id, @RequestBody(required = false) @Nullable String raw) {
		billing.charge(id).orElseThrow(() -> SubdeskException.notFound("Charge", id));
		JsonBody body = JsonBody.parse(raw, json);
		DisputeRequest.Reason reason = body.enumValue("reason", true, DisputeRequest.Reason.class);
		String confirmationNumber = body.text("confirmationNumber", false, 1, 100);
		String detail = body.text("detail", false, 0, 2000);
		body.validate();
		return DisputeView.of(support.dispute(id, new DisputeRequest(reason, confirmationNumber, detail, "API")));
	}

	@GetMapping("/api/v1/cases/{caseNumber}")
	CaseView supportCase(@PathVariable String caseNumber) {
		return support.find(caseNumber)
			.map(CaseView::of)
			.orElseThrow(() -> SubdeskException.notFound("Case", caseNumber));
	}
}
