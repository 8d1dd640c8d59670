/* Basics layer: memory and string helpers, kernel printf and panic. */
#ifndef KILN_LIB_H
#define KILN_LIB_H

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* string.c */
void *memset(void *dst, int c, uint n);
void *memmove(void *dst, const void *src, uint n);
void *memcpy(void *dst, const void *src, uint n);
int memcmp(const void *a, const void *b, uint n);
int strlen(const char *s);
int strncmp(const char *a, const char *b, uint n);
char *strncpy(char *dst, const char *src, int n);
char *safestrcpy(char *dst, const char *src, int n);  /* always terminates */

/* printf.c: %d %u %x %p %s %c %l(d|u|x) %%; output goes to the console. */
void printfinit(void);
/* The device printf writes to, one character at a time (set by main). */
void printf_set_output(void (*putc)(int c));
void printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Format into buf (at most n bytes, always terminated); returns the length. */
int snprintf(char *buf, int n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void panic(const char *msg) __attribute__((noreturn));
#if LAB_ALARM
void backtrace(void);  /* the return addresses on this kernel stack, one a line */
#endif
extern volatile int panicked;  /* set once any hart panics; freezes the console */

#endif
