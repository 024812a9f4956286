package dev.subdesk.api;

import dev.subdesk.shared.CommonErrorCode;
import dev.subdesk.clock.TestClock;
import dev.subdesk.renewals.Jobs;
import dev.subdesk.renewals.RunResult;
import dev.subdesk.shared.SubdeskException;
import java.time.Duration;
import java.time.Instant;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.json.JsonMapper;

/** The renewal run and the test clock (the catalog: CatalogController). */
@RestController
class OperationsController {

	/** {@code P[n]D[T[n]H[n]M[n]S]} or {@code PnW}: days and time, never months or years. */
	private static final Pattern ADVANCE = Pattern
		.compile("P(?:(\\d{1,9})W|(?:(\\d{1,9})D)?(?:T(?:(\\d{1,9})H)?(?:(\\d{1,9})M)?(?:(\\d{1,9})S)?)?)");

	private final Jobs jobs;
	private final TestClock clock;
	private final JsonMapper json;

	OperationsController(Jobs jobs, TestClock clock, JsonMapper json) {
		this.jobs = jobs;
		this.clock = clock;
		this.json = json;
	}

	record RunView(int renewed, int failed, int expired, int remindersSent) {
	}

	@PostMapping("/api/v1/renewals/run")
	RunView run(@RequestBody(required = false) @Nullable String raw) {
		JsonBody.parse(raw, json).validate();
		RunResult result = jobs.runDue();
		return new RunView(result.renewed(), result.failed(), result.expired(), result.remindersSent());
	}

	record Now(Instant now) {
	}

	@GetMapping("/api/v1/test-clock")
	Now now() {
		requireTestClock();
		return new Now(clock.instant());
	}

	@PostMapping("/api/v1/test-clock/advance")
	Now advance(@RequestBody(required = false) @Nullable String raw) {
		requireTestClock();
		JsonBody body = JsonBody.parse(raw, json);
		String text = body.text("duration", true, 2, 64);
		body.validate();
		Duration duration = parseAdvance(text);
		return new Now(jobs.advance(duration));
	}

	static Duration parseAdvance(String text) {
		Matcher m = ADVANCE.matcher(text);
		if (!m.matches() || text.equals("P") || text.endsWith("T")) {
			throw SubdeskException.invalid("duration", "must be days and time such as P30D or P28DT12H, or weeks such as P2W");
		}
		Duration d = m.group(1) != null ? Duration.ofDays(7 * Long.parseLong(m.group(1)))
				: Duration.ofDays(parse(m.group(2)))
					.plusHours(parse(m.group(3)))
					.plusMinutes(parse(m.group(4)))
					.plusSeconds(parse(m.group(5)));
		if (d.isZero() || d.compareTo(Jobs.MAX_ADVANCE) > 0) {
			throw SubdeskException.invalid("duration", "must be more than zero and at most P3660D");
		}
		return d;
	}

	private static long parse(@Nullable String group) {
		return group == null ? 0 : Long.parseLong(group);
	}

	private void requireTestClock() {
		if (!clock.enabled()) {
			throw new SubdeskException(CommonErrorCode.NOT_FOUND, "The test clock is off (SUBDESK_TEST_CLOCK)");
		}
	}
}
