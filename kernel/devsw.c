/*
 * Devices layer: the device switch, the table that maps a device file's
 * major number to its driver. Drivers fill it in at boot; open files
 * (a layer up) look drivers up here, so the files layer never needs to
 * know any driver by name.
 */
#include "types.h"
#include "param.h"
#include "lib.h"
#include "dev.h"

static struct devsw devices[NDEV];

void devsw_register(int major, const struct devsw *dev)
{
  if (major < 0 || major >= NDEV)
    panic("devsw_register: bad major number");
  devices[major] = *dev;
}

const struct devsw *devsw_get(int major)
{
  if (major < 0 || major >= NDEV || devices[major].read == 0)
    return 0;
  return &devices[major];
}
