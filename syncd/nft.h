/* syncd's nftables tables: the defer queue rule (see nft.c). */
#ifndef SYNCD_NFT_H
#define SYNCD_NFT_H

#include <stdint.h>

/* Install the rule queueing new forwarded connections to queue num,
 * with bypass, and with first set the rule queueing TCP SYN-ACKs before
 * conntrack (asymmetric paths). *used_compat tells whether the xt
 * target was needed. */
int	nft_defer_install(uint16_t num, int first, int *used_compat);
void	nft_defer_remove(void);

#endif
