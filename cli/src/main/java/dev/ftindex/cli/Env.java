package dev.ftindex.cli;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Environment variables that give an option its value when it is not on the command line, the
 * first one set winning (orchestrators set {@code JOB_COMPLETION_INDEX} and friends). Read by
 * {@link Cli}'s default value provider and shown in the option's help.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.FIELD)
@interface Env {
    String[] value();
}
