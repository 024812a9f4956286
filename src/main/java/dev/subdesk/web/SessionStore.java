package dev.subdesk.web;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.session.jdbc.PostgreSqlJdbcIndexedSessionRepositoryCustomizer;

/**
 * Sessions in PostgreSQL: two requests of one session that set the same attribute at once (a double submit) write
 * it with an upsert, so the second one does not fail on the attributes' primary key.
 */
@Configuration(proxyBeanMethods = false)
class SessionStore {

	@Bean
	PostgreSqlJdbcIndexedSessionRepositoryCustomizer upsertSessionAttributes() {
		return new PostgreSqlJdbcIndexedSessionRepositoryCustomizer();
	}
}
