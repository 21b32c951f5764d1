/**
 * What an application touches in Spring Framework that is not auto-configuration:
 * {@code @HaAware} and its bean post-processor, recovery beans looked up by name,
 * {@code HaConnectionEvent} application events, the configuration errors they report, and
 * the optional spring-retry bridge. Depends on {@code io.hacover.core}, the covers and
 * Spring Framework, never on Spring Boot or {@code io.hacover.autoconfigure}: where the
 * configuration of a connection comes from is the {@code HaAwareSupport} bean's business,
 * which the auto-configuration defines from the {@code ha.*} properties.
 */
package io.hacover.spring;
