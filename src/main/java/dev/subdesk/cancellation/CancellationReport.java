package dev.subdesk.cancellation;

import dev.subdesk.shared.Tally;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Why and how customers leave, over a time range: cancellations by reason, channel and mode, and the retention
 * offers shown beside them with how many were accepted. A cancellation replaced by a later request for the
 * same subscription (SUPERSEDED) is not counted again.
 */
@Service
public class CancellationReport {

	/** One pass over the range: each row counts one reason, one channel or one mode (GROUPING says which). */
	private static final String TALLIES = """
			SELECT reason, channel, mode, GROUPING(reason) AS by_other_than_reason, GROUPING(channel) AS by_other_than_channel,
			       count(*) AS n
			FROM cancellations
			WHERE requested_at >= :from AND requested_at < :to AND status <> 'SUPERSEDED'
			GROUP BY GROUPING SETS ((reason), (channel), (mode))
			""";

	private static final String OFFERS = """
			SELECT kind, count(*) AS shown, count(*) FILTER (WHERE status = 'ACCEPTED') AS accepted FROM offers
			WHERE created_at >= :from AND created_at < :to
			GROUP BY kind ORDER BY shown DESC, kind
			""";

	/** The cancellation counts; a cancellation without a reason counts as {@code NOT_GIVEN}. */
	public record Figures(long total, List<Tally> byReason, List<Tally> byChannel, List<Tally> byMode,
			List<OfferFigures> offers) {
	}

	/** Retention offers of one kind shown in the range, and how many of them the customers accepted. */
	public record OfferFigures(String kind, long shown, long accepted) {

		/** Accepted per thousand shown, rounded down (integer arithmetic); 0 when none was shown. */
		public long acceptedPerMille() {
			return shown == 0 ? 0 : accepted * 1000 / shown;
		}
	}

	private final JdbcClient jdbc;

	CancellationReport(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	/** The figures for cancellations requested, and offers shown, in {@code [from, to)}. */
	@Transactional(readOnly = true)
	public Figures between(Instant from, Instant to) {
		List<Tally> byReason = new ArrayList<>();
		List<Tally> byChannel = new ArrayList<>();
		List<Tally> byMode = new ArrayList<>();
		jdbc.sql(TALLIES).param("from", Timestamp.from(from)).param("to", Timestamp.from(to)).query(rs -> {
			long n = rs.getLong("n");
			if (rs.getInt("by_other_than_reason") == 0) {
				String reason = rs.getString("reason");
				byReason.add(new Tally(reason == null ? "NOT_GIVEN" : reason, n));
			}
			else if (rs.getInt("by_other_than_channel") == 0) {
				byChannel.add(new Tally(rs.getString("channel"), n));
			}
			else {
				byMode.add(new Tally(rs.getString("mode"), n));
			}
		});
		long total = byReason.stream().mapToLong(Tally::count).sum();
		List<OfferFigures> offers = jdbc.sql(OFFERS)
			.param("from", Timestamp.from(from))
			.param("to", Timestamp.from(to))
			.query((rs, n) -> new OfferFigures(rs.getString("kind"), rs.getLong("shown"), rs.getLong("accepted")))
			.list();
		return new Figures(total, largestFirst(byReason), largestFirst(byChannel), largestFirst(byMode), offers);
	}

	private static List<Tally> largestFirst(List<Tally> tallies) {
		return tallies.stream()
			.sorted(Comparator.comparingLong(Tally::count).reversed().thenComparing(Tally::key))
			.toList();
	}
}
