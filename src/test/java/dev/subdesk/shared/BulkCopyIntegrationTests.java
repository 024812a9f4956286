package dev.subdesk.shared;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.subdesk.testing.SubdeskIntegrationTest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * What {@link BulkCopy} writes is what PostgreSQL stores: text with quotes, separators, line breaks, backslashes and
 * characters of every width (and random text besides), the empty string apart from SQL NULL, longs at their limits,
 * instants, and batches larger than its first buffer; a COPY that PostgreSQL refuses fails the transaction.
 */
@SubdeskIntegrationTest
class BulkCopyIntegrationTests {

	private static final Instant AT = Instant.parse("2026-12-05T04:00:00Z");

	@Autowired
	DataSource dataSource;

	@Autowired
	JdbcClient jdbc;

	@Autowired
	TransactionTemplate transactions;

	record Row(long id, @Nullable String text, long number, Instant at) {
	}

	@Test
	void everyValueComesBackAsItWasAdded() {
		List<String> texts = new ArrayList<>(List.of("", "plain", "\"", "\"\"", "a \"quoted\" word", "a,b", "line\nbreak",
				"cr\r\nlf", "back\\slash", "\\N", "tab\there", "\u00fc\u00e9\u00df", "\u20ac 59,99", "\uD83D\uDCA5 \u202E",
				"'single'", "{\"json\": [1, \"two\", null]}", " leading and trailing ", "x".repeat(100_000)));
		Random random = new Random(20261205);
		for (int i = 0; i < 200; i++) {
			texts.add(randomText(random));
		}
		List<Row> rows = new ArrayList<>();
		for (int i = 0; i < texts.size(); i++) {
			rows.add(new Row(i, texts.get(i), i % 2 == 0 ? Long.MIN_VALUE + i : Long.MAX_VALUE - i, AT.plusSeconds(i)));
		}
		rows.add(new Row(rows.size(), null, 0, AT));

		List<Row> stored = transactions.execute(tx -> {
			jdbc.sql("CREATE TEMP TABLE bulk_copy_check (id bigint, text text, number bigint, at timestamptz) ON COMMIT DROP")
				.update();
			BulkCopy copy = new BulkCopy();
			rows.forEach(row -> copy.row().add(row.id()).add(row.text()).add(row.number()).add(row.at()));
			copy.into(dataSource, "bulk_copy_check (id, text, number, at)");
			return jdbc.sql("SELECT id, text, number, at FROM bulk_copy_check ORDER BY id")
				.query((rs, n) -> new Row(rs.getLong("id"), rs.getString("text"), rs.getLong("number"),
						rs.getTimestamp("at").toInstant()))
				.list();
		});
		assertThat(stored).containsExactlyElementsOf(rows);
	}

	@Test
	void charactersSplitAcrossChunksAndRowsOfOnlyNullComeBackAsTheyWere() {
		// the bytes are kept in chunks: a character of two to four bytes, a quote doubled, a line break may fall on
		// the end of one
		List<Row> rows = new ArrayList<>();
		for (int shift = 0; shift < 12; shift++) {
			rows.add(new Row(rows.size(), "x".repeat(BulkCopy.CHUNK - 40 - shift) + "\uD83D\uDCA5\u00e9\"\n\u20ac", shift,
					AT.plusSeconds(shift)));
		}
		List<@Nullable String> stored = transactions.execute(tx -> {
			jdbc.sql("CREATE TEMP TABLE bulk_copy_chunks (id bigint, text text, number bigint, at timestamptz) ON COMMIT DROP")
				.update();
			BulkCopy copy = new BulkCopy();
			rows.forEach(row -> copy.row().add(row.id()).add(row.text()).add(row.number()).add(row.at()));
			copy.into(dataSource, "bulk_copy_chunks (id, text, number, at)");
			jdbc.sql("CREATE TEMP TABLE bulk_copy_nulls (text text) ON COMMIT DROP").update();
			BulkCopy nulls = new BulkCopy();
			nulls.row().add((String) null).row().add((String) null);
			nulls.into(dataSource, "bulk_copy_nulls (text)");
			assertThat(jdbc.sql("SELECT count(*) FROM bulk_copy_nulls WHERE text IS NULL").query(Long.class).single())
				.as("rows of only NULL").isEqualTo(2);
			return jdbc.sql("SELECT text FROM bulk_copy_chunks ORDER BY id").query(String.class).list();
		});
		assertThat(stored).containsExactlyElementsOf(rows.stream().map(Row::text).toList());
	}

	@Test
	void aCopyThatPostgresqlRefusesFailsItsTransaction() {
		assertThatThrownBy(() -> transactions.executeWithoutResult(tx -> {
			jdbc.sql("CREATE TEMP TABLE bulk_copy_refused (id bigint PRIMARY KEY) ON COMMIT DROP").update();
			BulkCopy copy = new BulkCopy();
			copy.row().add(1).row().add(1);
			copy.into(dataSource, "bulk_copy_refused (id)");
		})).isInstanceOf(DataAccessException.class).hasMessageContaining("bulk_copy_refused");
		// the connection went back to the pool in a usable state
		assertThat(jdbc.sql("SELECT 1").query(Integer.class).single()).isEqualTo(1);
	}

	/** Random text of code points PostgreSQL's text can hold (no NUL, no lone surrogate). */
	private static String randomText(Random random) {
		int length = random.nextInt(40);
		StringBuilder out = new StringBuilder();
		char[] special = { '"', ',', '\n', '\r', '\\', '\t', ' ' };
		for (int i = 0; i < length; i++) {
			switch (random.nextInt(4)) {
				case 0 -> out.append(special[random.nextInt(special.length)]);
				case 1 -> out.append((char) ('a' + random.nextInt(26)));
				case 2 -> out.appendCodePoint(0x80 + random.nextInt(0xD7FF - 0x80));
				default -> out.appendCodePoint(0x10000 + random.nextInt(0x10FFFF - 0x10000));
			}
		}
		return out.toString();
	}
}
