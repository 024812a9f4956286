package dev.subdesk.sealing;

import java.time.Clock;
import javax.sql.DataSource;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.sql.init.dependency.DependsOnDatabaseInitialization;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The server's {@link KeyEncryptionKey}, from {@code SUBDESK_ENTITLEMENT_KEK} and its previous and next keys, checked
 * against the fleet's record of the key in use ({@link KeyEncryptionKeyInUse#checked}) as it is made: every bean that
 * seals gets it only after that, so a node with a wrong key refuses to start before it seals anything and before its
 * web server takes a request. The record of this node's key is written once every bean is made.
 */
@Configuration(proxyBeanMethods = false)
class SealingConfiguration {

	@Bean
	@DependsOnDatabaseInitialization
	KeyEncryptionKeyInUse keyEncryptionKeyInUse(@Value("${subdesk.entitlements.kek:}") String configured,
			@Value("${subdesk.entitlements.kek-previous:}") String previous,
			@Value("${subdesk.entitlements.kek-next:}") String next, @Value("${subdesk.db-url:}") String dbUrl,
			DataSource dataSource, JdbcClient jdbc, TransactionTemplate transactions, Clock clock) {
		return KeyEncryptionKeyInUse.checked(new KeyEncryptionKey(configured, previous, next, dbUrl), dataSource, jdbc,
				transactions, clock);
	}

	@Bean
	KeyEncryptionKey keyEncryptionKey(KeyEncryptionKeyInUse inUse) {
		return inUse.key();
	}
}
