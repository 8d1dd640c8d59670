/* Fixed-width integer names used throughout Kiln (kernel and user). */
#ifndef KILN_TYPES_H
#define KILN_TYPES_H

typedef unsigned char uchar;
typedef unsigned short ushort;
typedef unsigned int uint;

typedef unsigned char uint8;
typedef unsigned short uint16;
typedef unsigned int uint32;
typedef unsigned long uint64;

typedef uint64 pde_t;

#endif
