package dev.subdesk.billing;

import dev.subdesk.shared.Money;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Refunds issued over a time range: the totals per currency, and by the reason stored with each refund (the
 * money-back guarantee, a charge after a cancellation, a dispute, or what an operator wrote).
 */
@Service
public class RefundReport {

	/** How many reasons are listed one by one; the rest are summed up as one line. */
	static final int TOP_REASONS = 10;

	private static final String TOTALS = """
			SELECT currency, count(*) AS n, sum(amount) AS total FROM refunds
			WHERE created_at >= :from AND created_at < :to
			GROUP BY currency ORDER BY total DESC, currency
			""";

	private static final String BY_REASON = """
			SELECT reason, currency, count(*) AS n, sum(amount) AS total FROM refunds
			WHERE created_at >= :from AND created_at < :to
			GROUP BY reason, currency ORDER BY total DESC, n DESC, reason, currency
			LIMIT :limit
			""";

	/** A number of refunds and what they add up to, in one currency's minor units. */
	public record Line(String reason, long count, Money sum) {
	}

	/**
	 * The refunds of the range: one total per currency, and the reasons with the largest sums (at most
	 * {@value #TOP_REASONS}); {@code otherReasons} counts the refunds of all the other reasons.
	 */
	public record Figures(List<Line> totals, List<Line> byReason, long otherReasons) {

		public long count() {
			return totals.stream().mapToLong(Line::count).sum();
		}
	}

	private final JdbcClient jdbc;

	RefundReport(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	/** The refunds issued in {@code [from, to)}. */
	@Transactional(readOnly = true)
	public Figures between(Instant from, Instant to) {
		List<Line> totals = jdbc.sql(TOTALS)
			.param("from", Timestamp.from(from))
			.param("to", Timestamp.from(to))
			.query((rs, n) -> new Line("All refunds", rs.getLong("n"), Money.of(rs.getLong("total"), rs.getString("currency"))))
			.list();
		List<Line> byReason = jdbc.sql(BY_REASON)
			.param("from", Timestamp.from(from))
			.param("to", Timestamp.from(to))
			.param("limit", TOP_REASONS)
			.query((rs, n) -> new Line(rs.getString("reason"), rs.getLong("n"),
					Money.of(rs.getLong("total"), rs.getString("currency"))))
			.list();
		long listed = byReason.stream().mapToLong(Line::count).sum();
		long all = totals.stream().mapToLong(Line::count).sum();
		return new Figures(totals, byReason, all - listed);
	}
}
